package io.lengthguard.probe;

/**
 * One call of the demo: a client, sent bare or through LengthGuard in a mode.
 *
 * @param client the client's name, as the table shows it
 * @param mode {@code none} for a bare client, else the mode as the table shows it
 * @param guarded whether the call goes through LengthGuard and so must succeed
 * @param sender what sends the call; cases may share one, to show what a client remembers
 */
record DemoCase(String client, String mode, boolean guarded, Sender sender) {
  /** Returns a case of {@code sender} without LengthGuard: a strict server answers it 411. */
  static DemoCase bare(String client, Sender sender) {
    return new DemoCase(client, "none", false, sender);
  }

  /** Returns a case of {@code sender} through LengthGuard: it must get a 2xx. */
  static DemoCase guarded(String client, String mode, Sender sender) {
    return new DemoCase(client, mode, true, sender);
  }
}
