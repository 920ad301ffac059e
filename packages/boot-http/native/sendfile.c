// sendfile(2) for sockets Node owns: the file's pages go from the page cache to the socket without passing
// through a JS buffer (the stream path copies every byte twice). Three calls:
//
//   send(outFd, inFd, offset, count) -> bytes sent, like write(2) on a non-blocking socket: fewer than
//     count when the socket buffer filled (0: nothing fitted). Throws with .code = errno name when nothing
//     was sent, "EOF" when the file ends before offset + count. Used for the first bytes of a body (so the
//     caller can still fall back to streaming when sendfile refuses the file) and for bodies that fit.
//   pump(outFd, inFd, offset, count, chunk, done) -> token: sends the rest of a body from the event loop
//     without calling into JS per chunk: each time the socket is writable, one sendfile(2) of at most
//     `chunk` bytes (so one fast client cannot hold the loop), then done(error | null, bytesSent) once.
//   cancel(token) -> bytes pumped so far (-1 for a token that is no longer running); done is not called.
//
// pump works on a dup(2) of the socket's fd, watched by its own uv_poll (libuv allows one watcher per fd
// number and Node's TCP handle owns the original). The dup also means a socket Node closes mid-pump can
// never be confused with a new connection that reuses its fd number: our sendfile calls keep going to the
// same socket (and fail with EPIPE once it is shut) until cancel() or done closes the dup. The caller
// cancels when the response closes, so a socket Node destroyed is released right after.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

// one sendfile(2) call moves at most this much (Linux caps a call at 0x7ffff000 anyway)
#define MAX_CALL ((int64_t)0x7ffff000)
#define GEN_MASK 0xfffffu  // token = gen * 2^32 + slot stays below 2^53, exact in a JS number

typedef struct state state;

typedef struct {
  uv_poll_t poll;  // first member: the close callback gets the pump from the handle
  state *st;
  uint32_t slot;
  int sock;  // our dup of the socket fd, closed with the pump
  int file;
  int64_t pos, left, chunk, sent;
  napi_ref done;
} pump;

typedef struct {
  pump *p;  // NULL when the slot is free
  uint32_t gen;
} slot_entry;

struct state {
  napi_env env;
  napi_async_context async;
  uv_loop_t *loop;
  slot_entry *slots;
  uint32_t nslots;
  uint32_t next_hint;
};

static const char *errno_code(int err) {
  switch (err) {
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case ENOTCONN: return "ENOTCONN";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOSYS: return "ENOSYS";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    case EOVERFLOW: return "EOVERFLOW";
    case ESPIPE: return "ESPIPE";
    default: return "ESYSCALL";
  }
}

/** An Error with .code (the errno name, or "EOF" when err is 0). */
static napi_value make_error(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, err ? strerror(err) : "file ended early");
  napi_value code, text, error;
  napi_create_string_utf8(env, err ? errno_code(err) : "EOF", NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &text);
  napi_create_error(env, code, text, &error);
  return error;
}

static napi_value throw_code(napi_env env, const char *what, int err) {
  napi_throw(env, make_error(env, what, err));
  return NULL;
}

static int get_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

static int valid_fd(int64_t fd) { return fd >= 0 && fd <= INT32_MAX; }

static state *get_state(napi_env env) {
  state *st = NULL;
  napi_get_instance_data(env, (void **)&st);
  return st;
}

static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  int64_t out_fd, in_fd, offset, count;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 4 || !get_int(env, argv[0], &out_fd) ||
      !get_int(env, argv[1], &in_fd) || !get_int(env, argv[2], &offset) || !get_int(env, argv[3], &count) ||
      !valid_fd(out_fd) || !valid_fd(in_fd) || offset < 0 || count < 0) {
    napi_throw_type_error(env, NULL, "send(outFd, inFd, offset, count) takes four non-negative integers");
    return NULL;
  }
  int64_t total = 0;
  while (total < count) {
    off_t off = (off_t)(offset + total);
    int64_t want = count - total < MAX_CALL ? count - total : MAX_CALL;
    ssize_t n = sendfile((int)out_fd, (int)in_fd, &off, (size_t)want);
    if (n > 0) {
      total += n;
      // a short call means the socket buffer is full: asking again would only read pages it cannot take
      if (n < want) break;
      continue;
    }
    if (n == 0) {
      if (total > 0) break;  // the next call reports the end of the file
      return throw_code(env, "sendfile", 0);
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    if (total > 0) break;  // report the progress; the error comes back on the next call
    return throw_code(env, "sendfile", err);
  }
  napi_value result;
  napi_create_int64(env, total, &result);
  return result;
}

static void free_pump(uv_handle_t *h) {
  pump *p = (pump *)h;
  close(p->sock);
  free(p);
}

/** Detaches the pump from its slot and closes it; returns its done callback's reference (caller deletes). */
static napi_ref release(pump *p) {
  state *st = p->st;
  st->slots[p->slot].p = NULL;
  st->slots[p->slot].gen = (st->slots[p->slot].gen + 1) & GEN_MASK;
  napi_ref done = p->done;
  p->done = NULL;
  uv_poll_stop(&p->poll);
  uv_close((uv_handle_t *)&p->poll, free_pump);
  return done;
}

/** Ends a pump: done(error | null, sent) on the JS side. `err` < 0: success; 0: EOF; else an errno. */
static void finish(pump *p, int err) {
  state *st = p->st;
  napi_env env = st->env;
  int64_t sent = p->sent;
  napi_ref ref = release(p);
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value fn, recv, args[2], ignored;
  napi_get_reference_value(env, ref, &fn);
  napi_delete_reference(env, ref);
  if (err < 0) {
    napi_get_null(env, &args[0]);
  } else {
    args[0] = make_error(env, "sendfile", err);
  }
  napi_create_int64(env, sent, &args[1]);
  napi_get_global(env, &recv);  // make_callback wants an object as `this`
  if (napi_make_callback(env, st->async, recv, fn, 2, args, &ignored) == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
  napi_close_handle_scope(env, scope);
}

static void on_writable(uv_poll_t *handle, int status, int events) {
  (void)status;  // an error or hangup shows up as the sendfile error below
  (void)events;
  pump *p = (pump *)handle;
  off_t off = (off_t)p->pos;
  int64_t want = p->left < p->chunk ? p->left : p->chunk;
  ssize_t n = sendfile(p->sock, p->file, &off, (size_t)want);
  if (n > 0) {
    p->pos += n;
    p->left -= n;
    p->sent += n;
    if (p->left == 0) finish(p, -1);
    // else: the poll stays armed (level-triggered), so the next loop turn sends more if the socket has room
    return;
  }
  if (n == 0) {
    finish(p, 0);
    return;
  }
  int err = errno;
  if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR) return;
  finish(p, err);
}

static napi_value js_pump(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  int64_t out_fd, in_fd, offset, count, chunk;
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 6 || !get_int(env, argv[0], &out_fd) ||
      !get_int(env, argv[1], &in_fd) || !get_int(env, argv[2], &offset) || !get_int(env, argv[3], &count) ||
      !get_int(env, argv[4], &chunk) || !valid_fd(out_fd) || !valid_fd(in_fd) || offset < 0 || count <= 0 ||
      chunk <= 0 || napi_typeof(env, argv[5], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL,
                          "pump(outFd, inFd, offset, count, chunk, done) takes five integers (count, chunk > 0) and "
                          "a function");
    return NULL;
  }
  state *st = get_state(env);
  uint32_t slot = st->nslots;
  for (uint32_t i = 0; i < st->nslots; i++) {
    uint32_t j = (st->next_hint + i) % st->nslots;
    if (st->slots[j].p == NULL) {
      slot = j;
      break;
    }
  }
  if (slot == st->nslots) {
    uint32_t grown = st->nslots ? st->nslots * 2 : 64;
    slot_entry *s = realloc(st->slots, grown * sizeof *s);
    if (!s) return throw_code(env, "pump", ENOMEM);
    memset(s + st->nslots, 0, (grown - st->nslots) * sizeof *s);
    st->slots = s;
    st->nslots = grown;
  }
  pump *p = calloc(1, sizeof *p);
  if (!p) return throw_code(env, "pump", ENOMEM);
  p->sock = fcntl((int)out_fd, F_DUPFD_CLOEXEC, 0);
  if (p->sock < 0) {
    int err = errno;
    free(p);
    return throw_code(env, "dup", err);
  }
  int rc = uv_poll_init(st->loop, &p->poll, p->sock);
  if (rc != 0) {
    close(p->sock);
    free(p);
    return throw_code(env, "uv_poll_init", -rc);
  }
  rc = uv_poll_start(&p->poll, UV_WRITABLE, on_writable);
  if (rc != 0) {
    uv_close((uv_handle_t *)&p->poll, free_pump);  // an initialised handle is freed through libuv
    return throw_code(env, "uv_poll_start", -rc);
  }
  p->st = st;
  p->slot = slot;
  p->file = (int)in_fd;
  p->pos = offset;
  p->left = count;
  p->chunk = chunk < MAX_CALL ? chunk : MAX_CALL;
  napi_create_reference(env, argv[5], 1, &p->done);
  st->slots[slot].p = p;
  st->next_hint = slot + 1;
  napi_value token;
  napi_create_double(env, (double)st->slots[slot].gen * 4294967296.0 + (double)slot, &token);
  return token;
}

static napi_value js_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double token;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_double(env, argv[0], &token) != napi_ok || token < 0) {
    napi_throw_type_error(env, NULL, "cancel(token) takes a token from pump");
    return NULL;
  }
  state *st = get_state(env);
  uint64_t tk = (uint64_t)token;
  uint32_t slot = (uint32_t)(tk & 0xffffffffu), gen = (uint32_t)(tk >> 32);
  int64_t sent = -1;
  if (slot < st->nslots && st->slots[slot].p != NULL && st->slots[slot].gen == gen) {
    pump *p = st->slots[slot].p;
    sent = p->sent;
    napi_delete_reference(env, release(p));
  }
  napi_value result;
  napi_create_int64(env, sent, &result);
  return result;
}

static void teardown(napi_env env, void *data, void *hint) {
  (void)hint;
  state *st = data;
  for (uint32_t i = 0; i < st->nslots; i++) {
    if (st->slots[i].p) napi_delete_reference(env, release(st->slots[i].p));
  }
  if (st->async) napi_async_destroy(env, st->async);
  free(st->slots);
  free(st);
}

static napi_value init(napi_env env, napi_value exports) {
  state *st = calloc(1, sizeof *st);
  if (!st || napi_get_uv_event_loop(env, &st->loop) != napi_ok) {
    free(st);
    napi_throw_error(env, "ENOMEM", "sendfile addon: no state");
    return NULL;
  }
  st->env = env;
  napi_value name;
  napi_create_string_utf8(env, "bmc-emu:sendfile", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &st->async);
  napi_set_instance_data(env, st, teardown, NULL);
  napi_property_descriptor props[] = {
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"pump", NULL, js_pump, NULL, NULL, NULL, napi_default, NULL},
      {"cancel", NULL, js_cancel, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
