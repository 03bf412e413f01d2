package io.lengthguard.spring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.core.SpringVersion;

/**
 * These tests run twice, on Spring Framework 7.0 (spring-adapter) and 6.2 (spring-adapter-tests-6):
 * each run checks that it has the Spring its build named.
 */
class SpringVersionTest {
  @Test
  void runsOnTheSpringTheBuildNamed() {
    assertThat(SpringVersion.getVersion()).isEqualTo(System.getProperty("lengthguard.spring"));
  }
}
