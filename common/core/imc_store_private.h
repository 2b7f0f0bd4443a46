/*  imc_store_private - the layout of imc_store_t, shared by its two files

    imc_store.c opens and closes the database, imc_store_batch.c writes to
    it and imc_store_read.c holds the read paths, which the broker calls
    from its query thread. All three need the column family handles, and
    nothing else in imq may see them, so the struct lives here and not in
    imc_store.h.
*/
#ifndef IMC_STORE_PRIVATE_H_INCLUDED
#define IMC_STORE_PRIVATE_H_INCLUDED

#include <rocksdb/c.h>
#include <stdatomic.h>

//  Our column families, in the order of s_cf_names in imc_store.c
typedef enum {
    IMC_STORE_CF_DEFAULT,
    IMC_STORE_CF_EVENTS,                //  seq -> prev seq + EVENT
    IMC_STORE_CF_INCIDENTS,             //  id -> projection fields
    IMC_STORE_CF_REQUESTS,              //  idempotency key -> result fields
    IMC_STORE_CF_OFFSETS,               //  consumer group -> seq
    IMC_STORE_CF_META,                  //  name -> u64
    IMC_STORE_CF_DEADLINES,             //  due + incident + clock -> empty
    IMC_STORE_CF_DEDUP,                 //  dedup key -> open incident id
    IMC_STORE_CF_REQUEST_TIMES,         //  ts + request id -> empty
    IMC_STORE_CF_COUNT
} imc_store_cf_t;

#define IMC_STORE_META_SCHEMA "schema"  //  meta key of the schema

struct _imc_store_t {
    rocksdb_t *db;                      //  Open database, owned
    rocksdb_options_t *options;         //  DB and column family options, owned
    rocksdb_options_t *requests_options;
                                        //  Options of requests, owned
    rocksdb_options_t *events_options;  //  Options of events, owned
    rocksdb_cache_t *cache;             //  LRU block cache of every CF, owned
    rocksdb_readoptions_t *read;        //  Point reads; never changed, owned
    rocksdb_writeoptions_t *write;      //  Commits: no WAL, owned
    size_t cf_count;                    //  Column families open
    const char **cf_names;              //  Their names; array owned, names
                                        //  static or in disk_names
    rocksdb_column_family_handle_t **cf_handles;
                                        //  Their handles, owned
    rocksdb_column_family_handle_t *cf [IMC_STORE_CF_COUNT];
                                        //  Ours, borrowed from cf_handles
    char **disk_names;                  //  Families found on disk, owned
    size_t disk_count;                  //  How many
    bool read_only;                     //  Opened for reading only
    char path [512];                    //  Where the database is
    char errmsg [512];                  //  Last failure on the owning thread
    atomic_int damage_state;            //  0; 1 while damage is written;
                                        //  2 once it holds RocksDB's words
    char damage [512];                  //  The first corruption RocksDB
                                        //  reported, by any thread
};

//  Records a failure of the owning thread in errmsg and the log, and
//  copies it into errbuf when that is not NULL. Never call it from a
//  read path: reads may run on another thread.
void
    imc_store_fail (imc_store_t *self, char *errbuf, size_t errlen,
                    const char *format, ...)
    __attribute__ ((format (printf, 4, 5)));

#define IMC_STORE_LINK  8           //  Octets of the link before an EVENT

//  Reads key of column family cf into *slice_p (NULL when absent; the
//  caller destroys it). Returns 0 or IM_EIO.
int
    imc_store_get_pinned (imc_store_t *self, imc_store_cf_t cf,
                          const void *key, size_t key_size,
                          rocksdb_pinnableslice_t **slice_p);

//  Notes a RocksDB error (err, RocksDB's words) of any thread: the first
//  that reports corruption is kept for imc_store_damaged
void
    imc_store_note (imc_store_t *self, const char *err);

#endif
