/*  im_fields_private - the layout of im_fields_t, shared by im_fields.c
    (the map) and im_fields_codec.c (its wire side) and nothing else

    Keys and string values live NUL-terminated in one text block and are
    addressed by offset, so growing or compacting the block never leaves
    an entry pointing at freed memory.
*/
#ifndef IM_FIELDS_PRIVATE_H_INCLUDED
#define IM_FIELDS_PRIVATE_H_INCLUDED

#define IM_FIELDS_INLINE_ENTRIES 16     //  Entries held inside the object
#define IM_FIELDS_INLINE_TEXT    512    //  Text bytes held inside the object
#define IM_FIELDS_NONE SIZE_MAX         //  im_fields_find: no such key

typedef struct {
    int64_t number;             //  Value when type is IM_FIELD_INT
    uint32_t key;               //  Offset of the key in text
    uint32_t value;             //  Offset of the string value in text
    uint32_t length;            //  Bytes in the string value
    uint8_t key_size;           //  Bytes in the key
    uint8_t type;               //  IM_FIELD_STR or IM_FIELD_INT
} s_entry_t;

struct _im_fields_t {
    s_entry_t *entries;         //  inline_entries or a heap block, owned
    size_t size;                //  Entries in use, in insertion order
    size_t capacity;            //  Entries that fit in entries
    char *text;                 //  inline_text or a heap block, owned
    size_t text_size;           //  Bytes used in text, live or not
    size_t text_capacity;       //  Bytes that fit in text
    size_t text_waste;          //  Bytes in text no entry uses any more
    s_entry_t inline_entries [IM_FIELDS_INLINE_ENTRIES];  //  First entries
    char inline_text [IM_FIELDS_INLINE_TEXT];              //  First text
};

//  Makes room for count entries in all. Returns 0 or IM_ENOMEM.
int
    im_fields_reserve_entries (im_fields_t *self, size_t count);

//  Makes room for extra more text bytes, compacting away replaced
//  strings when that is worth it. Returns 0 or IM_ENOMEM.
int
    im_fields_reserve_text (im_fields_t *self, size_t extra);

//  Copies length bytes and a NUL into reserved text; returns the offset
uint32_t
    im_fields_append_text (im_fields_t *self, const char *bytes,
                           size_t length);

//  Returns the index of key, or IM_FIELDS_NONE
size_t
    im_fields_find (const im_fields_t *self, const char *key,
                    size_t key_size);

#endif
