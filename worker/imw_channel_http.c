/*  imw_channel_http - one JSON POST with libcurl, for webhook and chat

    A delivery counts only when the receiver answered 2xx: a redirect
    is not followed (a receiver that moved must be configured again, and
    following it would send the body where nobody configured it), any
    other answer is a failure with the status and the first bytes of
    the answer as its reason. Both timeouts bound every call.
*/
#include "imw_classes.h"
#include <curl/curl.h>

#define S_ANSWER_MAX    200             //  Answer bytes kept for a reason

typedef struct {
    char text [S_ANSWER_MAX + 1];       //  First bytes of the answer
    size_t size;                        //  How many kept
} s_answer_t;

static size_t
s_write (char *data, size_t size, size_t count, void *arg)
{
    s_answer_t *answer = (s_answer_t *) arg;
    size_t bytes = size * count;
    size_t room = S_ANSWER_MAX - answer->size;
    size_t keep = bytes < room ? bytes : room;
    memcpy (answer->text + answer->size, data, keep);
    answer->size += keep;
    answer->text [answer->size] = 0;
    return bytes;
}

int
imw_channel_http_post (const char *url, const char *const *headers,
                       const char *body, size_t size, uint32_t connect_ms,
                       uint32_t timeout_ms, imw_channel_result_t *result)
{
    assert (url && body && result);
    im_strlcpy (result->target, url, sizeof result->target);
    CURL *curl = curl_easy_init ();
    struct curl_slist *list =
        curl_slist_append (NULL, "Content-Type: application/json");
    for (size_t index = 0; list && headers && headers [index]; index++) {
        struct curl_slist *more = curl_slist_append (list, headers [index]);
        if (!more) {
            curl_slist_free_all (list);
            list = NULL;
        }
        else
            list = more;
    }
    if (!curl || !list) {
        curl_slist_free_all (list);
        curl_easy_cleanup (curl);
        return IM_ENOMEM;
    }
    s_answer_t answer = { .size = 0 };
    char error [CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_URL, url);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt (curl, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt (curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
    curl_easy_setopt (curl, CURLOPT_WRITEFUNCTION, s_write);
    curl_easy_setopt (curl, CURLOPT_WRITEDATA, &answer);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS, (long) connect_ms);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) timeout_ms);
    curl_easy_setopt (curl, CURLOPT_USERAGENT, "imq-notifier");
    CURLcode code = curl_easy_perform (curl);
    long status = 0;
    if (code == CURLE_OK)
        curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &status);
    result->status = (int) status;
    if (code != CURLE_OK) {
        result->retryable = true;
        snprintf (result->reason, sizeof result->reason, "%.200s",
                  *error ? error : curl_easy_strerror (code));
    }
    else
    if (status >= 200 && status < 300) {
        result->delivered = true;
        snprintf (result->reason, sizeof result->reason, "HTTP %ld", status);
    }
    else {
        result->retryable = status >= 500 || status == 408 || status == 429;
        //  The answer is the receiver's: keep it printable, one line
        for (size_t index = 0; index < answer.size; index++)
            if ((unsigned char) answer.text [index] < 0x20)
                answer.text [index] = ' ';
        snprintf (result->reason, sizeof result->reason, "HTTP %ld: %s",
                  status, answer.text);
    }
    curl_slist_free_all (list);
    curl_easy_cleanup (curl);
    return 0;
}
