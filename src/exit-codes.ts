/** Exit codes of the `bmc-emu` command. */
export const ExitCode = {
  Ok: 0,
  Failure: 1,
  /** Bad flags, bad config file, bad environment. */
  Usage: 2,
  /** The chosen driver (libvirt) could not be reached. */
  DriverUnavailable: 3,
} as const;
