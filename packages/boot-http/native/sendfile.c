// sendfile(2) for sockets Node owns: the file's pages go from the page cache to the socket without passing
// through a JS buffer (the stream path copies every byte twice). Two calls:
//
//   send(outFd, inFd, offset, count) -> bytes sent, like write(2) on a non-blocking socket: fewer than
//     count when the socket buffer is full (0: nothing fitted). Throws with .code = errno name when nothing
//     was sent, "EOF" when the file ends before offset + count.
//   waitWritable(fd, callback) -> token; callback() once the socket has room again (or has an error/hangup,
//     which the next send() reports). cancelWait(token) drops a wait whose callback must not run.
//
// Writability cannot be watched with a uv_poll on the socket itself (libuv allows one watcher per fd and
// Node's TCP handle is it), so this addon keeps its own epoll set, one uv_poll on that epoll fd, and
// EPOLLONESHOT registrations of the sockets. A socket Node closes leaves the set by itself (the kernel drops
// a closed file's registrations), which is why cancelWait never touches epoll: the fd number may already
// belong to another socket. The caller checks that the fd is still its socket before every send().
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

// one sendfile(2) call moves at most this much (Linux caps a call at 0x7ffff000 anyway)
#define MAX_CALL ((int64_t)0x7ffff000)
#define GEN_MASK 0xfffffu  // token = gen * 2^32 + slot stays below 2^53, exact in a JS number

typedef struct {
  napi_ref callback;  // NULL when the slot is free
  uint32_t gen;
} waiter;

typedef struct {
  napi_env env;
  napi_async_context async;
  int epfd;
  uv_poll_t *poll;  // freed by its close callback
  waiter *slots;
  uint32_t nslots;
  uint32_t nfree_hint;
} state;

static napi_value throw_code(napi_env env, const char *code, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, err ? strerror(err) : "file ended early");
  napi_throw_error(env, code, msg);
  return NULL;
}

static const char *errno_code(int err) {
  switch (err) {
    case EPIPE: return "EPIPE";
    case ECONNRESET: return "ECONNRESET";
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOSYS: return "ENOSYS";
    case EIO: return "EIO";
    case ENOMEM: return "ENOMEM";
    case EOVERFLOW: return "EOVERFLOW";
    case ESPIPE: return "ESPIPE";
    default: return "ESYSCALL";
  }
}

static int get_int(napi_env env, napi_value v, int64_t *out) {
  return napi_get_value_int64(env, v, out) == napi_ok;
}

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
      out_fd < 0 || out_fd > INT32_MAX || in_fd < 0 || in_fd > INT32_MAX || offset < 0 || count < 0) {
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
      continue;
    }
    if (n == 0) {
      if (total > 0) break;  // the next call reports the end of the file
      return throw_code(env, "EOF", "sendfile", 0);
    }
    int err = errno;
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) break;
    if (total > 0) break;  // report the progress; the error comes back on the next call
    return throw_code(env, errno_code(err), "sendfile", err);
  }
  napi_value result;
  napi_create_int64(env, total, &result);
  return result;
}

static void on_epoll_readable(uv_poll_t *handle, int status, int events) {
  (void)status;
  (void)events;
  state *st = handle->data;
  napi_env env = st->env;
  struct epoll_event evs[64];
  for (;;) {
    int n = epoll_wait(st->epfd, evs, 64, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      uint32_t slot = (uint32_t)(evs[i].data.u64 & 0xffffffffu);
      uint32_t gen = (uint32_t)(evs[i].data.u64 >> 32);
      // an earlier callback of this batch may have cancelled this wait: look it up only now
      if (slot >= st->nslots || st->slots[slot].callback == NULL || st->slots[slot].gen != gen) continue;
      napi_ref ref = st->slots[slot].callback;
      st->slots[slot].callback = NULL;
      st->slots[slot].gen = (st->slots[slot].gen + 1) & GEN_MASK;
      napi_handle_scope scope;
      napi_open_handle_scope(env, &scope);
      napi_value fn, recv, ignored;
      napi_get_reference_value(env, ref, &fn);
      napi_delete_reference(env, ref);
      napi_get_global(env, &recv);  // make_callback wants an object as `this`
      if (napi_make_callback(env, st->async, recv, fn, 0, NULL, &ignored) == napi_pending_exception) {
        napi_value err;
        napi_get_and_clear_last_exception(env, &err);
        napi_fatal_exception(env, err);
      }
      napi_close_handle_scope(env, scope);
    }
    if (n < 64) return;
  }
}

static napi_value js_wait_writable(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  int64_t fd;
  napi_valuetype t;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2 || !get_int(env, argv[0], &fd) ||
      fd < 0 || fd > INT32_MAX || napi_typeof(env, argv[1], &t) != napi_ok || t != napi_function) {
    napi_throw_type_error(env, NULL, "waitWritable(fd, callback) takes a file descriptor and a function");
    return NULL;
  }
  state *st = get_state(env);
  uint32_t slot = st->nslots;
  for (uint32_t i = 0; i < st->nslots; i++) {
    uint32_t j = (st->nfree_hint + i) % st->nslots;
    if (st->slots[j].callback == NULL) {
      slot = j;
      break;
    }
  }
  if (slot == st->nslots) {
    uint32_t grown = st->nslots ? st->nslots * 2 : 64;
    waiter *w = realloc(st->slots, grown * sizeof *w);
    if (!w) return throw_code(env, "ENOMEM", "waitWritable", ENOMEM);
    memset(w + st->nslots, 0, (grown - st->nslots) * sizeof *w);
    st->slots = w;
    st->nslots = grown;
  }
  struct epoll_event ev = {.events = EPOLLOUT | EPOLLONESHOT, .data.u64 = ((uint64_t)st->slots[slot].gen << 32) | slot};
  // a socket waited on before keeps its (disarmed) registration until it closes: re-arm it, else add it
  if (epoll_ctl(st->epfd, EPOLL_CTL_MOD, (int)fd, &ev) != 0) {
    if (errno != ENOENT || epoll_ctl(st->epfd, EPOLL_CTL_ADD, (int)fd, &ev) != 0) {
      return throw_code(env, errno_code(errno), "epoll_ctl", errno);
    }
  }
  napi_create_reference(env, argv[1], 1, &st->slots[slot].callback);
  st->nfree_hint = slot + 1;
  napi_value token;
  napi_create_double(env, (double)st->slots[slot].gen * 4294967296.0 + (double)slot, &token);
  return token;
}

static napi_value js_cancel_wait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double token;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_double(env, argv[0], &token) != napi_ok || token < 0) {
    napi_throw_type_error(env, NULL, "cancelWait(token) takes a token from waitWritable");
    return NULL;
  }
  state *st = get_state(env);
  uint64_t t = (uint64_t)token;
  uint32_t slot = (uint32_t)(t & 0xffffffffu), gen = (uint32_t)(t >> 32);
  if (slot < st->nslots && st->slots[slot].callback != NULL && st->slots[slot].gen == gen) {
    napi_delete_reference(env, st->slots[slot].callback);
    st->slots[slot].callback = NULL;
    st->slots[slot].gen = (gen + 1) & GEN_MASK;
  }
  return NULL;
}

static void free_poll(uv_handle_t *h) { free(h); }

static void teardown(napi_env env, void *data, void *hint) {
  (void)hint;
  state *st = data;
  if (st->poll) uv_close((uv_handle_t *)st->poll, free_poll);
  if (st->epfd >= 0) close(st->epfd);
  for (uint32_t i = 0; i < st->nslots; i++) {
    if (st->slots[i].callback) napi_delete_reference(env, st->slots[i].callback);
  }
  if (st->async) napi_async_destroy(env, st->async);
  free(st->slots);
  free(st);
}

static napi_value init(napi_env env, napi_value exports) {
  state *st = calloc(1, sizeof *st);
  uv_loop_t *loop = NULL;
  if (!st || napi_get_uv_event_loop(env, &loop) != napi_ok) {
    free(st);
    napi_throw_error(env, "ENOMEM", "sendfile addon: no state");
    return NULL;
  }
  st->env = env;
  st->epfd = epoll_create1(EPOLL_CLOEXEC);
  st->poll = calloc(1, sizeof *st->poll);
  if (st->epfd < 0 || !st->poll || uv_poll_init(loop, st->poll, st->epfd) != 0) {
    if (st->epfd >= 0) close(st->epfd);
    free(st->poll);
    free(st);
    napi_throw_error(env, "ESYSCALL", "sendfile addon: epoll/uv_poll setup failed");
    return NULL;
  }
  st->poll->data = st;
  uv_poll_start(st->poll, UV_READABLE, on_epoll_readable);
  uv_unref((uv_handle_t *)st->poll);  // the sockets keep the loop alive, not this watcher
  napi_value name;
  napi_create_string_utf8(env, "bmc-emu:sendfile", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &st->async);
  napi_set_instance_data(env, st, teardown, NULL);
  napi_property_descriptor props[] = {
      {"send", NULL, js_send, NULL, NULL, NULL, napi_default, NULL},
      {"waitWritable", NULL, js_wait_writable, NULL, NULL, NULL, napi_default, NULL},
      {"cancelWait", NULL, js_cancel_wait, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
