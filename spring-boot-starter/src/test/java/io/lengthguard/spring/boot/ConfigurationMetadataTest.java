package io.lengthguard.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The metadata IDEs complete {@code lengthguard.*} from, as the jar carries it. */
class ConfigurationMetadataTest {
  @Test
  void everyPropertyIsDescribedWithItsTypeAndDefault() throws Exception {
    JsonNode metadata = read();
    Map<String, String> defaults = new LinkedHashMap<>();
    for (JsonNode property : metadata.get("properties")) {
      assertThat(property.path("description").asString())
          .as("description of %s", property.get("name").asString())
          .isNotBlank();
      JsonNode defaultValue = property.get("defaultValue");
      defaults.put(
          property.get("name").asString(), defaultValue == null ? null : defaultValue.asString());
    }
    assertThat(defaults)
        .containsOnly(
            entry("lengthguard.enabled", "true"),
            entry("lengthguard.mode", "adaptive"),
            entry("lengthguard.prebuffer-bytes", "1MB"),
            entry("lengthguard.max-buffer-bytes", "8MB"),
            entry("lengthguard.spill.directory", null),
            entry("lengthguard.spill.memory-bytes", "1MB"),
            entry("lengthguard.expect-continue", "false"),
            entry("lengthguard.content-digest", null),
            entry("lengthguard.origins.length-required", null),
            entry("lengthguard.origins.max", "1024"),
            entry("lengthguard.origins.ttl", "1h"));
  }

  @Test
  void contentDigestOffersTheAlgorithmsTheGuardTakes() throws Exception {
    JsonNode hint = read().get("hints").get(0);
    assertThat(hint.get("name").asString()).isEqualTo("lengthguard.content-digest");
    assertThat(hint.get("values").valueStream().map(v -> v.get("value").asString()))
        .containsExactly("sha-256", "sha-512");
  }

  private static JsonNode read() throws Exception {
    try (InputStream in =
        ConfigurationMetadataTest.class.getResourceAsStream(
            "/META-INF/spring-configuration-metadata.json")) {
      assertThat(in).as("generated metadata").isNotNull();
      return JsonMapper.builder().build().readTree(in);
    }
  }
}
