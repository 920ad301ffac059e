// SO_BINDTODEVICE for a socket Node already owns: dgram cannot say which interface a broadcast
// arrived on, so each DHCP instance pins its socket to one device and the kernel does the filtering.
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <node_api.h>

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[256];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, err == EPERM ? "EPERM" : "ESYSCALL", msg);
  return NULL;
}

// bindToDevice(fd: number, ifname: string): void ("" unbinds)
static napi_value bind_to_device(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 2) {
    napi_throw_type_error(env, NULL, "bindToDevice(fd, ifname) needs two arguments");
    return NULL;
  }
  int32_t fd;
  if (napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0) {
    napi_throw_type_error(env, NULL, "fd must be a non-negative integer");
    return NULL;
  }
  char name[IFNAMSIZ];
  size_t len = 0;
  if (napi_get_value_string_utf8(env, argv[1], name, sizeof name, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "ifname must be a string");
    return NULL;
  }
  if (len >= IFNAMSIZ - 1 && strlen(name) >= IFNAMSIZ - 1) {
    // napi truncates silently; refuse names that may have been cut
    size_t full = 0;
    napi_get_value_string_utf8(env, argv[1], NULL, 0, &full);
    if (full >= IFNAMSIZ) {
      napi_throw_range_error(env, NULL, "interface names are at most 15 bytes");
      return NULL;
    }
  }
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, (socklen_t)strlen(name)) != 0) {
    return throw_errno(env, "setsockopt(SO_BINDTODEVICE)", errno);
  }
  return NULL;
}

// boundDevice(fd: number): string
static napi_value bound_device(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t fd;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 1 ||
      napi_get_value_int32(env, argv[0], &fd) != napi_ok) {
    napi_throw_type_error(env, NULL, "boundDevice(fd) needs a file descriptor");
    return NULL;
  }
  char name[IFNAMSIZ] = {0};
  socklen_t len = sizeof name;
  if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len) != 0) {
    return throw_errno(env, "getsockopt(SO_BINDTODEVICE)", errno);
  }
  napi_value out;
  napi_create_string_utf8(env, name, strnlen(name, sizeof name), &out);
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"bindToDevice", NULL, bind_to_device, NULL, NULL, NULL, napi_default, NULL},
      {"boundDevice", NULL, bound_device, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
