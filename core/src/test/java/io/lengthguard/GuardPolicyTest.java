package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GuardPolicyTest {
  @Test
  void defaultsAreAdaptiveWithEightMebibytesInMemory() {
    GuardPolicy policy = GuardPolicy.defaults();

    assertThat(policy.mode()).isEqualTo(GuardMode.ADAPTIVE);
    assertThat(policy.buffering()).isEqualTo(Buffering.inMemory(8L * 1024 * 1024));
    assertThat(GuardPolicy.DEFAULT_MAX_BUFFER_BYTES).isEqualTo(8_388_608L);
    assertThat(policy.maxOrigins()).isEqualTo(1024);
    assertThat(policy.originTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(policy.expectContinue()).isFalse();
    assertThat(policy.contentDigest()).isNull();
    assertThat(policy.listener()).isSameAs(GuardListener.NONE);
    assertThat(GuardPolicy.builder().build())
        .usingRecursiveComparison()
        .isEqualTo(GuardPolicy.defaults());
  }

  @Test
  void builderSetsEverySetting() {
    GuardListener listener = new GuardListener() {};
    Buffering buffering = Buffering.inMemory(100);

    GuardPolicy policy =
        GuardPolicy.builder()
            .mode(GuardMode.PREBUFFER)
            .buffering(buffering)
            .maxOrigins(7)
            .originTtl(Duration.ofMinutes(3))
            .expectContinue(true)
            .contentDigest("sha-512")
            .listener(listener)
            .prebufferBytes(50)
            .memoryBudget(4096)
            .lengthRequired(Origin.of("https", "example.com", 443))
            .build();

    assertThat(policy.mode()).isEqualTo(GuardMode.PREBUFFER);
    assertThat(policy.prebufferBytes()).isEqualTo(50);
    assertThat(policy.memoryBudget()).isEqualTo(4096);
    assertThat(policy.lengthRequired()).containsExactly(Origin.of("https", "example.com", 443));
    assertThat(policy.buffering()).isSameAs(buffering);
    assertThat(policy.maxOrigins()).isEqualTo(7);
    assertThat(policy.originTtl()).isEqualTo(Duration.ofMinutes(3));
    assertThat(policy.expectContinue()).isTrue();
    assertThat(policy.contentDigest()).isEqualTo("sha-512");
    assertThat(policy.listener()).isSameAs(listener);
    assertThat(policy)
        .hasToString(
            "GuardPolicy{mode=PREBUFFER, buffering=Buffering.inMemory(100), maxOrigins=7,"
                + " originTtl=PT3M, expectContinue=true, contentDigest=sha-512,"
                + " prebufferBytes=50, memoryBudget=4096, lengthRequired=[https://example.com:443]}");
  }

  @Test
  void readAheadDefaultsToOneMebibyteWithinTheBufferingLimit() {
    assertThat(GuardPolicy.defaults().prebufferBytes()).isEqualTo(1024 * 1024);
    GuardPolicy small = GuardPolicy.builder().buffering(Buffering.inMemory(1000)).build();
    assertThat(small.prebufferBytes()).isEqualTo(1000);
    assertThat(small.newBuilder().buffering(Buffering.inMemory(10)).build().prebufferBytes())
        .isEqualTo(10);
  }

  @Test
  void readAheadPastTheBufferingLimitIsRefusedNamingBoth() {
    GuardPolicy.Builder builder =
        GuardPolicy.builder().buffering(Buffering.inMemory(1000)).prebufferBytes(1001);
    assertThatThrownBy(builder::build)
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "prebufferBytes (1001) > buffering maxBytes (1000): raise the buffering limit or lower"
                + " prebufferBytes");
    assertThatThrownBy(() -> GuardPolicy.builder().prebufferBytes(-1))
        .hasMessage("prebufferBytes < 0: -1");
    assertThatThrownBy(() -> GuardPolicy.builder().memoryBudget(-1))
        .hasMessage("memoryBudget < 0: -1");
  }

  @Test
  void builderCanBeReusedWithoutChangingBuiltPolicies() {
    GuardPolicy.Builder builder = GuardPolicy.builder().mode(GuardMode.RETRY_ON_411);
    GuardPolicy first = builder.build();

    builder.mode(GuardMode.PREBUFFER).maxOrigins(2).contentDigest("sha-256");
    GuardPolicy second = builder.build();

    assertThat(first.mode()).isEqualTo(GuardMode.RETRY_ON_411);
    assertThat(first.maxOrigins()).isEqualTo(1024);
    assertThat(first.contentDigest()).isNull();
    assertThat(second.mode()).isEqualTo(GuardMode.PREBUFFER);
    assertThat(second.maxOrigins()).isEqualTo(2);
  }

  @Test
  void newBuilderCopiesThePolicy() {
    GuardPolicy original =
        GuardPolicy.builder()
            .mode(GuardMode.PREBUFFER)
            .maxOrigins(9)
            .expectContinue(true)
            .contentDigest("sha-256")
            .build();

    GuardPolicy changed = original.newBuilder().maxOrigins(10).build();

    assertThat(original.maxOrigins()).isEqualTo(9);
    assertThat(changed.maxOrigins()).isEqualTo(10);
    assertThat(changed).usingRecursiveComparison().ignoringFields("maxOrigins").isEqualTo(original);
  }

  @Test
  void digestAlgorithmIsNormalizedAndCanBeTurnedOff() {
    assertThat(GuardPolicy.builder().contentDigest("SHA-256").build().contentDigest())
        .isEqualTo("sha-256");
    assertThat(
            GuardPolicy.builder()
                .contentDigest("sha-512")
                .contentDigest(null)
                .build()
                .contentDigest())
        .isNull();
  }

  @Test
  void badSettingsAreRejectedWithTheValue() {
    GuardPolicy.Builder builder = GuardPolicy.builder();

    assertThatThrownBy(() -> builder.maxOrigins(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxOrigins <= 0: 0");
    assertThatThrownBy(() -> builder.maxOrigins(-3))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxOrigins <= 0: -3");
    assertThatThrownBy(() -> builder.originTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("originTtl <= 0: PT0S");
    assertThatThrownBy(() -> builder.originTtl(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("originTtl <= 0: PT-1S");
    assertThatThrownBy(() -> builder.contentDigest("md5"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("unsupported digest algorithm: md5; use sha-256 or sha-512");
    assertThatThrownBy(() -> builder.mode(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("mode == null");
    assertThatThrownBy(() -> builder.buffering(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("buffering == null");
    assertThatThrownBy(() -> builder.originTtl(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("originTtl == null");
    assertThatThrownBy(() -> builder.listener(null))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("listener == null");
    // A rejected setting leaves the builder as it was.
    assertThat(builder.build()).usingRecursiveComparison().isEqualTo(GuardPolicy.defaults());
  }
}
