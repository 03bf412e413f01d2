package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class BodyTooLargeExceptionTest {
  @Test
  void carriesLimitAndBytesReadAndSaysWhatToChange() {
    BodyTooLargeException e = new BodyTooLargeException(8_388_608, 8_388_609);

    assertThat(e).isInstanceOf(IOException.class);
    assertThat(e.limit()).isEqualTo(8_388_608);
    assertThat(e.bytesRead()).isEqualTo(8_388_609);
    assertThat(e)
        .hasMessage(
            "body exceeds maxBytes (8388608): read 8388609 bytes before stopping; raise the limit"
                + " with GuardPolicy.buffering(...) or send a body of known length");
  }
}
