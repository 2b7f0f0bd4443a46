/*  imw_channel_email - email over SMTP with libcurl

    One message per notification (imw_mail builds it), sent to the
    person's address through the policy's SMTP server. STARTTLS is used
    whenever the server offers it (CURLUSESSL_TRY); smtps:// is TLS from
    the start. The server taking the message (250 after DATA) is the
    delivery; any other reply is a failure with the server's last
    reply line, retryable for a 4xx or a lost connection.
*/
#include "imw_classes.h"
#include <curl/curl.h>

//  The message being read by libcurl
typedef struct {
    const char *text;                   //  Whole message, borrowed
    size_t size;                        //  Its length
    size_t sent;                        //  Bytes given to libcurl
} s_upload_t;

static size_t
s_read (char *buffer, size_t size, size_t count, void *arg)
{
    s_upload_t *upload = (s_upload_t *) arg;
    size_t room = size * count;
    size_t left = upload->size - upload->sent;
    size_t take = left < room ? left : room;
    memcpy (buffer, upload->text + upload->sent, take);
    upload->sent += take;
    return take;
}

static int
s_send (void *state, const imw_notification_t *notification,
        imw_channel_result_t *result)
{
    imw_channel_net_t *self = (imw_channel_net_t *) state;
    im_strlcpy (result->target, self->url, sizeof result->target);
    char *message = imw_mail_build (notification, self->extra,
                                    (int64_t) zclock_time ());
    if (!message) {
        snprintf (result->reason, sizeof result->reason, "cannot build the "
                  "message to '%s' (no address, or one with CR, LF, < or "
                  ">)", notification->address ? notification->address : "");
        return 0;
    }
    char to [IM_NOTIFY_URL_MAX + 2];
    snprintf (to, sizeof to, "<%s>", notification->address);
    char from [IM_NOTIFY_URL_MAX + 2];
    snprintf (from, sizeof from, "<%s>", self->extra);
    CURL *curl = curl_easy_init ();
    struct curl_slist *rcpt = curl_slist_append (NULL, to);
    if (!curl || !rcpt) {
        curl_slist_free_all (rcpt);
        curl_easy_cleanup (curl);
        zstr_free (&message);
        return IM_ENOMEM;
    }
    s_upload_t upload = { message, strlen (message), 0 };
    char error [CURL_ERROR_SIZE] = "";
    curl_easy_setopt (curl, CURLOPT_URL, self->url);
    curl_easy_setopt (curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt (curl, CURLOPT_USE_SSL, (long) CURLUSESSL_TRY);
    curl_easy_setopt (curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt (curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt (curl, CURLOPT_READFUNCTION, s_read);
    curl_easy_setopt (curl, CURLOPT_READDATA, &upload);
    curl_easy_setopt (curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt (curl, CURLOPT_INFILESIZE_LARGE,
                      (curl_off_t) upload.size);
    curl_easy_setopt (curl, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt (curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt (curl, CURLOPT_CONNECTTIMEOUT_MS,
                      (long) self->connect_ms);
    curl_easy_setopt (curl, CURLOPT_TIMEOUT_MS, (long) self->timeout_ms);
    CURLcode code = curl_easy_perform (curl);
    long reply = 0;
    curl_easy_getinfo (curl, CURLINFO_RESPONSE_CODE, &reply);
    result->status = (int) reply;
    if (code == CURLE_OK && upload.sent == upload.size) {
        result->delivered = true;
        snprintf (result->reason, sizeof result->reason, "SMTP %ld", reply);
    }
    else {
        //  5xx is the server refusing this message: trying again will
        //  not change its mind. The rest (4xx, lost or timed out
        //  connections) may pass later.
        result->retryable = !(reply >= 500 && reply < 600);
        snprintf (result->reason, sizeof result->reason, "SMTP %ld: %.200s",
                  reply, *error ? error : curl_easy_strerror (code));
    }
    curl_slist_free_all (rcpt);
    curl_easy_cleanup (curl);
    zstr_free (&message);
    return 0;
}

static const imw_channel_ops_t s_ops = {
    .type = "email",
    .send_fn = s_send,
    .destroy_fn = imw_channel_net_destroy,
};

imw_channel_t *
imw_channel_email_new (const char *name, const char *url, const char *from,
                       uint32_t connect_ms, uint32_t timeout_ms)
{
    assert (name && url && from);
    return imw_channel_net_new (name, &s_ops, url, from, connect_ms,
                                timeout_ms);
}
