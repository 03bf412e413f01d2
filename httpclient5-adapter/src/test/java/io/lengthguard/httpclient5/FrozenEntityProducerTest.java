package io.lengthguard.httpclient5;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lengthguard.Buffering;
import io.lengthguard.FrozenBody;
import io.lengthguard.testing.Payloads;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.apache.hc.core5.http.ContentType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FrozenEntityProducerTest {
  @Property(tries = 50)
  void producesExactlyTheFrozenBytesWhateverTheChannelTakes(
      @ForAll @IntRange(min = 0, max = 100_000) int size,
      @ForAll @IntRange(min = 1, max = 70_000) int maxPerWrite)
      throws IOException {
    byte[] payload = Payloads.bytes(size);
    FrozenEntityProducer producer = FrozenEntityProducer.of(FrozenBody.of(payload), null);
    RecordingChannel channel = new RecordingChannel(maxPerWrite);

    while (channel.ends == 0) producer.produce(channel);

    assertThat(channel.bytes()).isEqualTo(payload);
    assertThat(channel.ends).isEqualTo(1);
    assertThat(producer.available()).isZero();
  }

  @Property(tries = 50)
  void gathersExactlyTheFrozenBytesWhateverTheChannelTakes(
      @ForAll @IntRange(min = 0, max = 300_000) int size,
      @ForAll @IntRange(min = 1, max = 70_000) int maxPerWrite)
      throws IOException {
    byte[] payload = Payloads.bytes(size);
    // Read from a stream: held in 8 KiB segments, gathered into writes of up to 64 KiB.
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(payload), 1 << 20);
    FrozenEntityProducer producer = FrozenEntityProducer.of(body, null, null, false, true);

    for (int send = 0; send < 2; send++) {
      RecordingChannel channel = new RecordingChannel(maxPerWrite);
      while (channel.ends == 0) producer.produce(channel);

      assertThat(channel.bytes()).isEqualTo(payload);
      assertThat(channel.ends).isEqualTo(1);
      assertThat(producer.available()).isZero();
      producer.releaseResources();
    }
  }

  @Test
  void gathersASegmentedBodyIntoDirectWritesOf64Kib() throws IOException {
    byte[] payload = Payloads.bytes(200_000);
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(payload), 1 << 20);
    FrozenEntityProducer producer = FrozenEntityProducer.of(body, null, null, false, true);
    RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);

    producer.produce(channel);

    assertThat(channel.bytes()).isEqualTo(payload);
    assertThat(channel.writes).containsExactly(65_536, 65_536, 65_536, 3_392);
    assertThat(channel.directWrites).isEqualTo(4);
    assertThat(channel.ends).isEqualTo(1);
  }

  @Test
  void aGatheredBodyRewoundHalfWayIsWrittenWholeAgain() throws IOException {
    byte[] payload = Payloads.bytes(150_000);
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(payload), 1 << 20);
    FrozenEntityProducer producer = FrozenEntityProducer.of(body, null, null, false, true);
    producer.produce(new RecordingChannel(10_000)); // a full channel: 10,000 bytes taken

    producer.releaseResources();
    RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);
    producer.produce(channel);

    assertThat(channel.bytes()).isEqualTo(payload);
    assertThat(channel.ends).isEqualTo(1);
  }

  @Test
  void withoutGatheringWritesEachSegmentAsItIs() throws IOException {
    byte[] payload = Payloads.bytes(20_000);
    FrozenBody body = FrozenBody.read(new ByteArrayInputStream(payload), 1 << 20);
    FrozenEntityProducer producer = FrozenEntityProducer.of(body, null);
    RecordingChannel channel = new RecordingChannel(Integer.MAX_VALUE);

    producer.produce(channel);

    assertThat(channel.bytes()).isEqualTo(payload);
    assertThat(channel.writes).containsExactly(8_192, 8_192, 3_616);
    assertThat(channel.directWrites).isZero();
  }

  @Test
  void releaseResourcesRewindsForTheNextSend() throws IOException {
    byte[] payload = Payloads.bytes(50_000);
    FrozenEntityProducer producer = FrozenEntityProducer.of(FrozenBody.of(payload), null);

    for (int send = 0; send < 2; send++) {
      RecordingChannel channel = new RecordingChannel(4096);
      assertThat(producer.available()).isEqualTo(50_000);
      while (channel.ends == 0) producer.produce(channel);
      assertThat(channel.bytes()).isEqualTo(payload);
      producer.produce(channel);
      assertThat(channel.ends).as("ends once").isEqualTo(1);
      producer.releaseResources();
    }
  }

  @Test
  void producesABodyHeldInAFile(@TempDir Path directory) throws IOException {
    byte[] payload = Payloads.bytes(300_000);
    FrozenBody body =
        FrozenBody.read(
            new ByteArrayInputStream(payload), Buffering.spillToDisk(1024, 1 << 20, directory));
    FrozenEntityProducer producer = FrozenEntityProducer.of(body, null);
    RecordingChannel channel = new RecordingChannel(65_536);

    while (channel.ends == 0) producer.produce(channel);

    assertThat(channel.bytes()).isEqualTo(payload);
    body.close();
  }

  @Test
  void isRepeatableExactAndNeverChunked() {
    FrozenBody body = FrozenBody.ofUtf8("héllo");
    FrozenEntityProducer producer = FrozenEntityProducer.of(body, ContentType.TEXT_PLAIN);

    assertThat(producer.isRepeatable()).isTrue();
    assertThat(producer.isChunked()).isFalse();
    assertThat(producer.getContentLength()).isEqualTo(6);
    assertThat(producer.getContentType()).isEqualTo("text/plain; charset=UTF-8");
    assertThat(producer.getContentEncoding()).isNull();
    assertThat(producer.getTrailerNames()).isEmpty();
    assertThat(producer.frozenBody()).isSameAs(body);
  }

  @Test
  void rejectsNull() {
    assertThatThrownBy(() -> FrozenEntityProducer.of(null, null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("body == null");
  }
}
