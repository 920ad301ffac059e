// One TFTP RRQ transfer on its own thread and its own connected UDP socket: every ACK is answered by a
// thread blocked in recv(), without a trip through the Node event loop. The state machine is the one of
// src/read-transfer.ts (that file is the spec): optional OACK, RFC 7440 windows with one gap resend per
// window send, no resend on duplicate ACKs in lock-step, block-number rollover, a retransmit timer with
// optional doubling, a retry limit. The outcome goes back to JS through a threadsafe function.
//
// Steady state per block is recv + send (+ one pread per 64 KiB): the retransmit timer is the socket's
// SO_RCVTIMEO, changed only when its value changes. abort() sets a flag and shutdown(SHUT_RD)s the
// socket, which wakes the blocked recv().
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>
#include <node_api.h>

#define OP_DATA 3
#define OP_ACK 4
#define OP_ERROR 5
#define ERR_NOT_DEFINED 0
#define ERR_OPTION_REFUSED 8
#define READ_AHEAD (64 * 1024)
#define MAX_WINDOW_BYTES (64u * 1024 * 1024)
#define THREAD_STACK (256 * 1024)

enum outcome_kind { OUT_COMPLETE, OUT_SIZE_PROBE, OUT_CLIENT_ERROR, OUT_TIMEOUT, OUT_FAILED };

typedef struct transfer {
  // settings
  int file_fd;  // our own dup of the caller's fd, closed when the thread ends
  int sock;
  uint32_t blksize;
  uint32_t windowsize;
  uint32_t timeout_ms;
  uint32_t max_retries;
  int backoff;
  int tsize_requested;
  uint8_t *oack;
  size_t oack_len;

  // window: slot for absolute block b is b % windowsize, each [4-byte header | blksize bytes]
  uint8_t *slots;
  uint32_t *slot_len;  // payload length per slot
  uint64_t window_start;
  uint32_t window_count;
  uint64_t last_block;  // 0 until the final (short) block has been read
  uint64_t bytes;
  int gap_resent;

  // read-ahead cache over the file
  uint8_t *cache;
  uint64_t cache_off;
  size_t cache_len;

  // timer
  uint32_t retries;
  struct timespec deadline;
  long rcvtimeo_us;  // value currently set on the socket (-1: none yet)

  // shared with JS
  atomic_int heard;      // a packet from the peer was received (or was about to be)
  atomic_uint_fast64_t sends;
  atomic_int aborting;
  pthread_mutex_t lock;  // guards sock against close while abort() shuts it down, and abort_msg
  int sock_closed;
  char abort_msg[256];
  atomic_int refs;  // the thread and the JS wrapper
  napi_threadsafe_function tsfn;

  // outcome
  enum outcome_kind kind;
  uint64_t out_bytes;
  uint64_t out_blocks;
  int out_code;
  char out_msg[512];
} transfer;

static void transfer_unref(transfer *t) {
  if (atomic_fetch_sub(&t->refs, 1) != 1) return;
  pthread_mutex_destroy(&t->lock);
  free(t->oack);
  free(t->slots);
  free(t->slot_len);
  free(t->cache);
  free(t);
}

// ---- time ----

static void deadline_in(struct timespec *d, uint32_t ms) {
  clock_gettime(CLOCK_MONOTONIC, d);
  d->tv_sec += ms / 1000;
  d->tv_nsec += (long)(ms % 1000) * 1000000L;
  if (d->tv_nsec >= 1000000000L) {
    d->tv_sec++;
    d->tv_nsec -= 1000000000L;
  }
}

static long us_until(const struct timespec *d) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (long)(d->tv_sec - now.tv_sec) * 1000000L + (d->tv_nsec - now.tv_nsec) / 1000L;
}

static uint32_t timer_ms(const transfer *t) {
  if (!t->backoff) return t->timeout_ms;
  uint32_t cap = t->timeout_ms > 5000 ? t->timeout_ms : 5000;
  uint64_t ms = t->timeout_ms;
  for (uint32_t i = 0; i < t->retries && ms < cap; i++) ms *= 2;
  return ms < cap ? (uint32_t)ms : cap;
}

static void arm_timer(transfer *t) { deadline_in(&t->deadline, timer_ms(t)); }

// ---- packets ----

static void send_error(transfer *t, int code, const char *msg) {
  uint8_t buf[4 + 512];
  size_t n = strlen(msg);
  if (n > 510) n = 510;
  buf[0] = 0;
  buf[1] = OP_ERROR;
  buf[2] = (uint8_t)(code >> 8);
  buf[3] = (uint8_t)code;
  memcpy(buf + 4, msg, n);
  buf[4 + n] = 0;
  (void)send(t->sock, buf, 5 + n, MSG_DONTWAIT);
}

static void send_oack(transfer *t) { (void)send(t->sock, t->oack, t->oack_len, 0); }

static void send_window(transfer *t) {
  size_t stride = 4 + (size_t)t->blksize;
  for (uint32_t i = 0; i < t->window_count; i++) {
    uint32_t s = (uint32_t)((t->window_start + i) % t->windowsize);
    atomic_fetch_add_explicit(&t->sends, 1, memory_order_relaxed);
    // a failed send is recovered by the retransmit timer, like the JS engine
    (void)send(t->sock, t->slots + s * stride, 4 + t->slot_len[s], 0);
  }
}

// ---- file ----

// Copy `len` bytes at `off` into dst; returns bytes copied (short only at end of file) or -errno.
static ssize_t file_read(transfer *t, uint64_t off, uint8_t *dst, size_t len) {
  size_t got = 0;
  while (got < len) {
    uint64_t at = off + got;
    if (at < t->cache_off || at >= t->cache_off + t->cache_len) {
      ssize_t r;
      do r = pread(t->file_fd, t->cache, READ_AHEAD, (off_t)at);
      while (r < 0 && errno == EINTR);
      if (r < 0) return -errno;
      t->cache_off = at;
      t->cache_len = (size_t)r;
      if (r == 0) break;  // end of file
    }
    size_t avail = (size_t)(t->cache_off + t->cache_len - at);
    size_t n = len - got < avail ? len - got : avail;
    memcpy(dst + got, t->cache + (at - t->cache_off), n);
    got += n;
  }
  return (ssize_t)got;
}

static int errno_to_tftp(int err, const char **msg) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
    case EISDIR:
      *msg = "File not found";
      return 1;
    case EACCES:
    case EPERM:
    case ELOOP:
      *msg = "Access violation";
      return 2;
    case ENOSPC:
    case EDQUOT:
      *msg = "Disk full or allocation exceeded";
      return 3;
    default:
      *msg = "Internal server error";
      return ERR_NOT_DEFINED;
  }
}

static void fail_errno(transfer *t, const char *what, int err) {
  t->kind = OUT_FAILED;
  snprintf(t->out_msg, sizeof t->out_msg, "%s: %s", what, strerror(err));
}

// Fill the window from the file, then send all of it. Returns 0, or -1 when the transfer ended.
static int pump(transfer *t) {
  size_t stride = 4 + (size_t)t->blksize;
  while (t->window_count < t->windowsize && t->last_block == 0) {
    uint64_t b = t->window_start + t->window_count;
    uint32_t s = (uint32_t)(b % t->windowsize);
    uint8_t *slot = t->slots + s * stride;
    ssize_t n = file_read(t, (b - 1) * t->blksize, slot + 4, t->blksize);
    if (n < 0) {
      const char *msg;
      int code = errno_to_tftp((int)-n, &msg);
      send_error(t, code, msg);
      fail_errno(t, "read", (int)-n);
      return -1;
    }
    slot[0] = 0;
    slot[1] = OP_DATA;
    slot[2] = (uint8_t)(b >> 8);
    slot[3] = (uint8_t)b;
    t->slot_len[s] = (uint32_t)n;
    t->window_count++;
    t->bytes += (uint64_t)n;
    if ((uint32_t)n < t->blksize) t->last_block = b;
  }
  send_window(t);
  arm_timer(t);
  return 0;
}

// Returns 0 to keep going, -1 when the transfer ended.
static int on_ack(transfer *t, uint16_t block16) {
  uint64_t last_sent = t->window_start + t->window_count - 1;
  // the newest absolute block number <= last_sent that wraps to block16
  uint64_t back = (uint64_t)((uint16_t)((uint16_t)last_sent - block16));
  if (back > last_sent) return 0;  // before block 0: stale
  uint64_t acked = last_sent - back;
  if (acked + 1 < t->window_start) return 0;  // stale
  if (acked + 1 == t->window_start) {
    // duplicate ACK: never resend in lock-step; in window mode resend once per window (RFC 7440 gap)
    if (t->windowsize > 1 && !t->gap_resent && t->window_count > 0) {
      t->gap_resent = 1;
      send_window(t);
      arm_timer(t);
    }
    return 0;
  }
  t->window_count -= (uint32_t)(acked - t->window_start + 1);
  t->window_start = acked + 1;
  t->retries = 0;
  t->gap_resent = 0;
  if (t->last_block != 0 && acked >= t->last_block) {
    t->kind = OUT_COMPLETE;
    t->out_bytes = t->bytes;
    t->out_blocks = t->last_block;
    return -1;
  }
  return pump(t);
}

// Point SO_RCVTIMEO at the deadline; returns 0, or 1 when the deadline has passed.
static int set_wait(transfer *t) {
  long us = us_until(&t->deadline);
  if (us <= 0) return 1;
  // round to whole milliseconds so the common case (just armed) needs no setsockopt
  long want = ((us + 999) / 1000) * 1000;
  if (want != t->rcvtimeo_us) {
    struct timeval tv = {.tv_sec = want / 1000000, .tv_usec = want % 1000000};
    if (setsockopt(t->sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) == 0) t->rcvtimeo_us = want;
  }
  return 0;
}

static void on_timeout(transfer *t, int oack_phase) {
  if (++t->retries > t->max_retries) {
    send_error(t, ERR_NOT_DEFINED, "Transfer timed out");
    t->kind = OUT_TIMEOUT;
    return;
  }
  if (oack_phase) send_oack(t);
  else send_window(t);
  t->gap_resent = 0;
  arm_timer(t);
}

static void run(transfer *t) {
  uint8_t pkt[4 + 65536];
  int oack_phase = t->oack_len > 0;
  if (oack_phase) {
    send_oack(t);
    arm_timer(t);
  } else if (pump(t) < 0) {
    return;
  }
  for (;;) {
    if (atomic_load(&t->aborting)) {
      pthread_mutex_lock(&t->lock);
      send_error(t, ERR_NOT_DEFINED, t->abort_msg);
      snprintf(t->out_msg, sizeof t->out_msg, "%s", t->abort_msg);
      pthread_mutex_unlock(&t->lock);
      t->kind = OUT_FAILED;
      return;
    }
    if (set_wait(t)) {
      on_timeout(t, oack_phase);
      if (t->kind == OUT_TIMEOUT) return;
      continue;
    }
    ssize_t n = recv(t->sock, pkt, sizeof pkt, 0);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;  // the loop checks the deadline
      fail_errno(t, "recvmsg", errno);
      return;
    }
    atomic_store(&t->heard, 1);
    if (n < 4) continue;  // garbage (or the wake-up of abort): ignore, the timer keeps the transfer alive
    uint16_t op = (uint16_t)(pkt[0] << 8 | pkt[1]);
    uint16_t num = (uint16_t)(pkt[2] << 8 | pkt[3]);
    if (op == OP_ERROR) {
      size_t len = strnlen((const char *)pkt + 4, (size_t)n - 4);
      if (oack_phase && t->tsize_requested && num == ERR_OPTION_REFUSED) {
        t->kind = OUT_SIZE_PROBE;
      } else {
        t->kind = OUT_CLIENT_ERROR;
        t->out_code = num;
        if (len >= sizeof t->out_msg) len = sizeof t->out_msg - 1;
        memcpy(t->out_msg, pkt + 4, len);
        t->out_msg[len] = 0;
      }
      return;
    }
    if (op != OP_ACK) continue;
    if (oack_phase) {
      if (num != 0) continue;
      oack_phase = 0;
      t->retries = 0;
      if (pump(t) < 0) return;
      continue;
    }
    if (on_ack(t, num) < 0) return;
  }
}

// ---- thread and JS glue ----

static void call_js(napi_env env, napi_value cb, void *context, void *data) {
  transfer *t = data;
  (void)context;
  if (env != NULL && cb != NULL) {
    static const char *kinds[] = {"complete", "size-probe", "client-error", "timeout", "failed"};
    napi_value argv[5], undef;
    napi_create_string_utf8(env, kinds[t->kind], NAPI_AUTO_LENGTH, &argv[0]);
    napi_create_double(env, (double)t->out_bytes, &argv[1]);
    napi_create_double(env, (double)t->out_blocks, &argv[2]);
    napi_create_int32(env, t->out_code, &argv[3]);
    // latin1, like the JS decoder of ERROR messages
    napi_create_string_latin1(env, t->out_msg, NAPI_AUTO_LENGTH, &argv[4]);
    napi_get_undefined(env, &undef);
    napi_call_function(env, undef, cb, 5, argv, NULL);
  }
  transfer_unref(t);
}

static void *thread_main(void *arg) {
  transfer *t = arg;
  run(t);
  pthread_mutex_lock(&t->lock);
  close(t->sock);
  t->sock_closed = 1;
  pthread_mutex_unlock(&t->lock);
  close(t->file_fd);
  t->file_fd = -1;
  // the call hands the thread's reference to call_js; release lets the event loop go
  if (napi_call_threadsafe_function(t->tsfn, t, napi_tsfn_blocking) != napi_ok) transfer_unref(t);
  napi_release_threadsafe_function(t->tsfn, napi_tsfn_release);
  return NULL;
}

static napi_value throw_msg(napi_env env, const char *code, const char *msg) {
  napi_throw_error(env, code, msg);
  return NULL;
}

static int get_prop(napi_env env, napi_value obj, const char *name, napi_value *out) {
  bool has = false;
  if (napi_has_named_property(env, obj, name, &has) != napi_ok || !has) return -1;
  return napi_get_named_property(env, obj, name, out) == napi_ok ? 0 : -1;
}

static int get_u32(napi_env env, napi_value obj, const char *name, uint32_t *out) {
  napi_value v;
  if (get_prop(env, obj, name, &v) != 0) return -1;
  return napi_get_value_uint32(env, v, out) == napi_ok ? 0 : -1;
}

static int get_bool(napi_env env, napi_value obj, const char *name, int *out) {
  napi_value v;
  bool b;
  if (get_prop(env, obj, name, &v) != 0 || napi_get_value_bool(env, v, &b) != napi_ok) return -1;
  *out = b;
  return 0;
}

static int get_str(napi_env env, napi_value obj, const char *name, char *buf, size_t cap) {
  napi_value v;
  size_t len;
  if (get_prop(env, obj, name, &v) != 0) return -1;
  if (napi_get_value_string_utf8(env, v, buf, cap, &len) != napi_ok || len >= cap - 1) return -1;
  return 0;
}

static int resolve(const char *host, uint32_t port, struct sockaddr_storage *ss, socklen_t *len) {
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_DGRAM};
  struct addrinfo *res = NULL;
  char ps[8];
  snprintf(ps, sizeof ps, "%u", port);
  if (getaddrinfo(host, ps, &hints, &res) != 0 || res == NULL) return -1;
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

// Bound to `bind` (port 0) and connected to the peer; -errno on failure.
static int open_socket(const char *bind_addr, const char *peer, uint32_t port) {
  struct sockaddr_storage local, remote;
  socklen_t llen, rlen;
  if (resolve(bind_addr, 0, &local, &llen) != 0 || resolve(peer, port, &remote, &rlen) != 0) return -EINVAL;
  if (local.ss_family != remote.ss_family) return -EAFNOSUPPORT;
  int s = socket(local.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -errno;
  if (bind(s, (struct sockaddr *)&local, llen) != 0 || connect(s, (struct sockaddr *)&remote, rlen) != 0) {
    int e = errno;
    close(s);
    return -e;
  }
  return s;
}

static void wrapper_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  transfer_unref(data);
}

static transfer *unwrap_this(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *t = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &t) != napi_ok) return NULL;
  return t;
}

static napi_value m_heard(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  transfer *t = unwrap_this(env, info, &argc, NULL);
  napi_value out;
  if (!t) return NULL;
  int heard = 0;
  // a packet still queued on the socket counts too: the peer has sent it. Queue first, flag second:
  // the thread sets the flag before anything leaves the queue, so one of the two always shows it.
  pthread_mutex_lock(&t->lock);
  if (!t->sock_closed) {
    int pending = 0;
    if (ioctl(t->sock, FIONREAD, &pending) == 0 && pending > 0) heard = 1;
  }
  pthread_mutex_unlock(&t->lock);
  if (atomic_load(&t->heard)) heard = 1;
  napi_get_boolean(env, heard, &out);
  return out;
}

static napi_value m_sends(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  transfer *t = unwrap_this(env, info, &argc, NULL);
  napi_value out;
  if (!t) return NULL;
  napi_create_double(env, (double)atomic_load(&t->sends), &out);
  return out;
}

static napi_value m_abort(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  transfer *t = unwrap_this(env, info, &argc, argv);
  if (!t) return NULL;
  pthread_mutex_lock(&t->lock);
  size_t len = 0;
  if (argc < 1 || napi_get_value_string_latin1(env, argv[0], t->abort_msg, sizeof t->abort_msg, &len) != napi_ok) {
    snprintf(t->abort_msg, sizeof t->abort_msg, "Transfer aborted");
  }
  atomic_store(&t->aborting, 1);
  if (!t->sock_closed) shutdown(t->sock, SHUT_RD);  // wakes the thread's recv()
  pthread_mutex_unlock(&t->lock);
  return NULL;
}

// new ReadTransfer(settings, onDone): starts the thread at once; throws when the socket cannot be set up.
static napi_value m_construct(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  if (napi_get_cb_info(env, info, &argc, argv, &self, NULL) != napi_ok || argc != 2) {
    return throw_msg(env, "EINVAL", "ReadTransfer(settings, onDone) needs two arguments");
  }
  napi_valuetype vt;
  napi_typeof(env, argv[1], &vt);
  if (vt != napi_function) return throw_msg(env, "EINVAL", "onDone must be a function");
  uint32_t fd, port, blksize, windowsize, timeout_ms, max_retries;
  int backoff, tsize_requested;
  char bind_addr[128], peer[128];
  if (get_u32(env, argv[0], "fd", &fd) || get_u32(env, argv[0], "port", &port) ||
      get_u32(env, argv[0], "blksize", &blksize) || get_u32(env, argv[0], "windowsize", &windowsize) ||
      get_u32(env, argv[0], "timeoutMs", &timeout_ms) || get_u32(env, argv[0], "maxRetries", &max_retries) ||
      get_bool(env, argv[0], "backoff", &backoff) || get_bool(env, argv[0], "tsizeRequested", &tsize_requested) ||
      get_str(env, argv[0], "bind", bind_addr, sizeof bind_addr) ||
      get_str(env, argv[0], "peer", peer, sizeof peer)) {
    return throw_msg(env, "EINVAL", "ReadTransfer settings are incomplete or of the wrong type");
  }
  if (blksize < 8 || blksize > 65464 || windowsize < 1 || windowsize > 65535 || port == 0 || port > 65535 ||
      timeout_ms == 0 || (uint64_t)(4 + blksize) * windowsize > MAX_WINDOW_BYTES) {
    return throw_msg(env, "EINVAL", "ReadTransfer settings out of range");
  }
  transfer *t = calloc(1, sizeof *t);
  if (!t) return throw_msg(env, "ENOMEM", "out of memory");
  pthread_mutex_init(&t->lock, NULL);
  atomic_init(&t->refs, 1);
  t->file_fd = -1;
  t->sock = -1;
  t->sock_closed = 1;
  t->blksize = blksize;
  t->windowsize = windowsize;
  t->timeout_ms = timeout_ms;
  t->max_retries = max_retries;
  t->backoff = backoff;
  t->tsize_requested = tsize_requested;
  t->window_start = 1;
  t->rcvtimeo_us = -1;
  napi_value oack;
  if (get_prop(env, argv[0], "oack", &oack) == 0) {
    bool is_buf = false;
    napi_is_buffer(env, oack, &is_buf);
    if (is_buf) {
      void *p;
      size_t n;
      napi_get_buffer_info(env, oack, &p, &n);
      if (n > 0) {
        t->oack = malloc(n);
        if (t->oack) memcpy(t->oack, p, n);
        t->oack_len = n;
      }
    }
  }
  size_t stride = 4 + (size_t)blksize;
  t->slots = malloc(stride * windowsize);
  t->slot_len = calloc(windowsize, sizeof *t->slot_len);
  t->cache = malloc(READ_AHEAD);
  if (!t->slots || !t->slot_len || !t->cache || (t->oack_len && !t->oack)) {
    transfer_unref(t);
    return throw_msg(env, "ENOMEM", "out of memory");
  }
  t->file_fd = fcntl((int)fd, F_DUPFD_CLOEXEC, 0);
  if (t->file_fd < 0) {
    char msg[128];
    snprintf(msg, sizeof msg, "dup(file fd): %s", strerror(errno));
    transfer_unref(t);
    return throw_msg(env, "EBADF", msg);
  }
  int s = open_socket(bind_addr, peer, port);
  if (s < 0) {
    char msg[320];
    snprintf(msg, sizeof msg, "transfer socket %s -> [%s]:%u: %s", bind_addr, peer, port, strerror(-s));
    close(t->file_fd);
    transfer_unref(t);
    return throw_msg(env, "ESOCKET", msg);
  }
  t->sock = s;
  t->sock_closed = 0;
  napi_value name;
  napi_create_string_utf8(env, "tftpReadTransfer", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, call_js, &t->tsfn) !=
      napi_ok) {
    close(t->sock);
    close(t->file_fd);
    transfer_unref(t);
    return throw_msg(env, "EINVAL", "could not create the completion callback");
  }
  atomic_store(&t->refs, 2);  // the thread (handed to call_js at the end) and the wrapper
  if (napi_wrap(env, self, t, wrapper_finalize, NULL, NULL) != napi_ok) {
    atomic_store(&t->refs, 1);
    napi_release_threadsafe_function(t->tsfn, napi_tsfn_abort);
    close(t->sock);
    close(t->file_fd);
    transfer_unref(t);
    return throw_msg(env, "EINVAL", "could not wrap the transfer");
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, THREAD_STACK);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t th;
  int err = pthread_create(&th, &attr, thread_main, t);
  pthread_attr_destroy(&attr);
  if (err != 0) {
    // the wrapper keeps its reference; hand the thread's to nobody
    pthread_mutex_lock(&t->lock);
    close(t->sock);
    t->sock_closed = 1;
    pthread_mutex_unlock(&t->lock);
    close(t->file_fd);
    napi_release_threadsafe_function(t->tsfn, napi_tsfn_abort);
    transfer_unref(t);
    char msg[128];
    snprintf(msg, sizeof msg, "pthread_create: %s", strerror(err));
    return throw_msg(env, "EAGAIN", msg);
  }
  return self;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"heardFromClient", NULL, m_heard, NULL, NULL, NULL, napi_default, NULL},
      {"dataSends", NULL, m_sends, NULL, NULL, NULL, napi_default, NULL},
      {"abort", NULL, m_abort, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_value ctor;
  if (napi_define_class(env, "ReadTransfer", NAPI_AUTO_LENGTH, m_construct, NULL, 3, methods, &ctor) != napi_ok)
    return NULL;
  napi_set_named_property(env, exports, "ReadTransfer", ctor);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
