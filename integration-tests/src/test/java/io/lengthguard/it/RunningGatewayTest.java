package io.lengthguard.it;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class RunningGatewayTest {
  @TempDir Path dir;

  @Test
  void missingFileFailsNamingThePackageToInstall() {
    List<Gateway.Requirement> requirements =
        List.of(
            new Gateway.Requirement(dir.resolve("lighttpd").toString(), "lighttpd"),
            new Gateway.Requirement(
                dir.resolve("mod_magnet.so").toString(), "lighttpd-modules-lua"));

    assertThatThrownBy(() -> RunningGateway.requireInstalled("lighttpd", requirements))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "lighttpd is not installed: "
                + dir.resolve("lighttpd")
                + " is missing; install the Debian package lighttpd"
                + " (apt-get install --no-install-recommends lighttpd), as .ci/run does");
  }

  @Test
  void missingModuleNamesItsOwnPackage() throws Exception {
    Files.createFile(dir.resolve("lighttpd"));
    List<Gateway.Requirement> requirements =
        List.of(
            new Gateway.Requirement(dir.resolve("lighttpd").toString(), "lighttpd"),
            new Gateway.Requirement(
                dir.resolve("mod_magnet.so").toString(), "lighttpd-modules-lua"));

    assertThatThrownBy(() -> RunningGateway.requireInstalled("lighttpd", requirements))
        .hasMessageContaining("install the Debian package lighttpd-modules-lua");
  }

  @Test
  void presentFilesPass() throws Exception {
    Files.createFile(dir.resolve("nginx"));

    assertThatCode(
            () ->
                RunningGateway.requireInstalled(
                    "nginx",
                    List.of(new Gateway.Requirement(dir.resolve("nginx").toString(), "nginx"))))
        .doesNotThrowAnyException();
  }
}
