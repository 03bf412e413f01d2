package io.lengthguard.httpclient5;

import io.lengthguard.FramingFinding;
import io.lengthguard.GuardListener;
import io.lengthguard.Origin;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A listener that records each framing finding as a line of text. This class is thread-safe. */
final class RecordingListener implements GuardListener {
  private final List<String> events = new CopyOnWriteArrayList<>();

  List<String> events() {
    return List.copyOf(events);
  }

  @Override
  public void framingFinding(Origin origin, FramingFinding finding) {
    events.add("framingFinding " + origin + " " + finding.code());
  }
}
