{
  "targets": [
    {
      "target_name": "tftp_native",
      "sources": ["native/read_transfer.c"],
      "cflags": ["-Wall", "-Wextra", "-O2", "-std=gnu11", "-pthread"],
      "ldflags": ["-pthread"]
    }
  ]
}
