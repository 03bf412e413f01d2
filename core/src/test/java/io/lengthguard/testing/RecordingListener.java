package io.lengthguard.testing;

import io.lengthguard.FramingFinding;
import io.lengthguard.FreezeReason;
import io.lengthguard.GiveUpReason;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import java.util.ArrayList;
import java.util.List;

/** A listener that records each event as a line of text. This class is thread-safe. */
public final class RecordingListener implements GuardListener {
  private final List<String> events = new ArrayList<>();

  public synchronized List<String> events() {
    return List.copyOf(events);
  }

  private synchronized void add(String event) {
    events.add(event);
  }

  @Override
  public void bodyFrozen(Origin origin, long bytes, FreezeReason reason) {
    add("bodyFrozen " + origin + " " + bytes + " " + reason);
  }

  @Override
  public void lengthRequired(Origin origin, boolean lengthSent) {
    add("lengthRequired " + origin + " lengthSent=" + lengthSent);
  }

  @Override
  public void resent(Origin origin, long bytes) {
    add("resent " + origin + " " + bytes);
  }

  @Override
  public void recovered(Origin origin, int status) {
    add("recovered " + origin + " " + status);
  }

  @Override
  public void gaveUp(Origin origin, GiveUpReason reason, String detail) {
    add("gaveUp " + origin + " " + reason);
  }

  @Override
  public void bodyTooLarge(Origin origin, long limit, long bytesRead) {
    add("bodyTooLarge " + origin + " " + limit);
  }

  @Override
  public void framingFinding(Origin origin, FramingFinding finding) {
    add("framingFinding " + origin + " " + finding.code());
  }

  @Override
  public void bodyNotRead(Origin origin, long bytesWritten, int status) {
    add("bodyNotRead " + origin + " " + status);
  }

  @Override
  public void overBudget(Origin origin, long budget) {
    add("overBudget " + origin + " " + budget);
  }
}
