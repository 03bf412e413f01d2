package io.lengthguard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.lengthguard.FramingFinding.Severity;
import java.util.AbstractMap.SimpleEntry;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class FramingCheckTest {
  /**
   * Every finding code: a request that triggers exactly that finding, the exact message, and a
   * near-miss request that must be clean.
   */
  static Stream<Arguments> findings() {
    return Stream.of(
        arguments(
            FindingCode.INVALID_REQUEST_LINE,
            FramingCheck.request("GE T").target("/").header("Content-Length", "0").bodyBytes(0),
            "method \"GE T\" is not a token (RFC 9110 §9.1), so the request line cannot be parsed;"
                + " use a method name such as POST",
            FramingCheck.request("GET").target("/").header("Content-Length", "0").bodyBytes(0)),
        arguments(
            FindingCode.INVALID_REQUEST_LINE,
            FramingCheck.request("GET").target("/a b"),
            "request target \"/a b\" is empty or holds a space, control or non-ASCII character"
                + " (RFC 9112 §3.2), so the request line cannot be parsed; percent-encode the"
                + " target",
            FramingCheck.request("GET").target("/a%20b")),
        arguments(
            FindingCode.INVALID_FIELD,
            FramingCheck.request("GET").target("/").header("X-Trace ", "1"),
            "field name \"X-Trace \" is not a token (RFC 9110 §5.1): a server answers 400 or reads"
                + " another field than the one meant (RFC 9112 §5.1); use only letters, digits and"
                + " '-', with no whitespace before the colon",
            FramingCheck.request("GET").target("/").header("X-Trace", "1")),
        arguments(
            FindingCode.INVALID_FIELD,
            FramingCheck.request("GET").header("X-Trace", "a\r\nContent-Length: 5"),
            "value of X-Trace holds CR at index 1 (RFC 9110 §5.5): parsers end the field there,"
                + " so the server may read other fields or another request than the one meant;"
                + " remove CR, LF and NUL from field values",
            FramingCheck.request("GET").header("X-Trace", "a \t Content-Length: 5")),
        arguments(
            FindingCode.INVALID_FIELD,
            FramingCheck.request("GET").header("X-Trace", "ab\u0000"),
            "value of X-Trace holds NUL at index 2 (RFC 9110 §5.5): parsers end the field there,"
                + " so the server may read other fields or another request than the one meant;"
                + " remove CR, LF and NUL from field values",
            FramingCheck.request("GET").header("X-Trace", "ab\u007f")),
        arguments(
            FindingCode.CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
            FramingCheck.request("POST")
                .header("Content-Length", "5")
                .header("Transfer-Encoding", "chunked")
                .bodyBytes(5),
            "Content-Length (\"5\") sent with Transfer-Encoding (\"chunked\"): RFC 9112 §6.2"
                + " forbids both; a server rejects the request or ignores the length, and a proxy"
                + " that reads the other header is open to request smuggling; remove Content-Length"
                + " to send chunked, or remove Transfer-Encoding and send Content-Length: 5",
            FramingCheck.request("POST").header("Transfer-Encoding", "chunked").bodyBytes(5)),
        arguments(
            FindingCode.REPEATED_CONTENT_LENGTH,
            FramingCheck.request("POST")
                .header("Content-Length", "5")
                .header("content-length", "5")
                .bodyBytes(5),
            "2 Content-Length fields with the same value (5): RFC 9110 §8.6 lets a server reject"
                + " the repeat; send Content-Length: 5 once",
            FramingCheck.request("POST")
                .header("Content-Length", "5")
                .header("X-Content-Length", "5")
                .bodyBytes(5)),
        arguments(
            FindingCode.DUPLICATE_CONTENT_LENGTH,
            FramingCheck.request("POST")
                .header("Content-Length", "5")
                .header("CONTENT-LENGTH", "7")
                .bodyBytes(7),
            "2 Content-Length fields with different or invalid values (\"5\", \"7\"): the body"
                + " length cannot be determined and a server must reject the request (RFC 9112"
                + " §6.3); send Content-Length: 7",
            FramingCheck.request("POST").header("CONTENT-LENGTH", "7").bodyBytes(7)),
        arguments(
            FindingCode.REPEATED_CONTENT_LENGTH,
            FramingCheck.request("POST").header("Content-Length", "5, 5").bodyBytes(5),
            "Content-Length is a list (\"5, 5\"), not one number: RFC 9110 §8.6 lets a server"
                + " reject it; send Content-Length: 5 once",
            FramingCheck.request("POST").header("Content-Length", "5").bodyBytes(5)),
        arguments(
            FindingCode.CONTENT_LENGTH_LIST,
            FramingCheck.request("POST").header("Content-Length", "5,7").bodyBytes(-1),
            "Content-Length is a list of different or invalid values (\"5,7\"): the body length"
                + " cannot be determined and a server must reject the request (RFC 9112 §6.3);"
                + " send one Content-Length with the body's byte count",
            FramingCheck.request("POST").header("Content-Length", "57").bodyBytes(-1)),
        arguments(
            FindingCode.INVALID_CONTENT_LENGTH,
            FramingCheck.request("POST").header("Content-Length", "+5").bodyBytes(5),
            "Content-Length \"+5\" is not a decimal number: RFC 9110 §8.6 allows ASCII digits"
                + " only (no sign, whitespace, hex or fraction) and a server must reject the"
                + " request (RFC 9112 §6.3); send Content-Length: 5",
            FramingCheck.request("POST").header("Content-Length", "05").bodyBytes(5)),
        arguments(
            FindingCode.CONTENT_LENGTH_OVERFLOW,
            FramingCheck.request("PUT").header("Content-Length", "9223372036854775808"),
            "Content-Length \"9223372036854775808\" overflows a 64-bit length (max"
                + " 9223372036854775807), so no server can read it; send one Content-Length with"
                + " the body's byte count",
            FramingCheck.request("PUT").header("Content-Length", "9223372036854775807")),
        arguments(
            FindingCode.TRANSFER_ENCODING_NOT_CHUNKED_LAST,
            FramingCheck.request("POST").header("Transfer-Encoding", "chunked, gzip").bodyBytes(9),
            "Transfer-Encoding \"chunked, gzip\" does not end with chunked: the server cannot tell"
                + " where the body ends and must answer 400 and close the connection (RFC 9112"
                + " §6.3); end the list with chunked, or drop Transfer-Encoding and send"
                + " Content-Length: 9",
            FramingCheck.request("POST").header("Transfer-Encoding", "gzip, CHUNKED").bodyBytes(9)),
        arguments(
            FindingCode.CHUNKED_MORE_THAN_ONCE,
            FramingCheck.request("POST")
                .header("Transfer-Encoding", "chunked")
                .header("Transfer-Encoding", "chunked"),
            "Transfer-Encoding \"chunked, chunked\" applies chunked 2 times; RFC 9112 §6.1 allows"
                + " it once; send Transfer-Encoding: chunked",
            FramingCheck.request("POST")
                .header("Transfer-Encoding", "gzip")
                .header("Transfer-Encoding", "chunked")),
        arguments(
            FindingCode.LENGTH_MISMATCH,
            FramingCheck.request("POST").header("Content-Length", "5").bodyBytes(7),
            "Content-Length declares 5 bytes but the body has 7 (2 more): the server reads 5 bytes"
                + " and takes the other 2 as the start of the next request; send Content-Length:"
                + " 7, counting encoded bytes, not characters",
            FramingCheck.request("POST").header("Content-Length", "7").bodyBytes(7)),
        arguments(
            FindingCode.LENGTH_MISMATCH,
            FramingCheck.request("PATCH").header("Content-Length", "4").bodyBytes(2),
            "Content-Length declares 4 bytes but the body has 2 (2 fewer): the server waits for 2"
                + " bytes more until the request times out; send Content-Length: 2, counting"
                + " encoded bytes, not characters",
            FramingCheck.request("PATCH").header("Content-Length", "4").bodyBytes(-1)),
        arguments(
            FindingCode.LENGTH_MISMATCH,
            FramingCheck.request("PUT").header("Content-Length", "1").bodyBytes(0),
            "Content-Length declares 1 byte but the body has 0 (1 fewer): the server waits for 1"
                + " byte more until the request times out; send Content-Length: 0, counting"
                + " encoded bytes, not characters",
            FramingCheck.request("PUT").header("Content-Length", "0").bodyBytes(0)),
        arguments(
            FindingCode.UNFRAMED_BODY,
            FramingCheck.request("POST").bodyBytes(12),
            "12 bytes of body with neither Content-Length nor Transfer-Encoding: an HTTP/1.1"
                + " server reads a body of 0 bytes (RFC 9112 §6.3) and takes the 12 bytes as the"
                + " start of the next request; send Content-Length: 12",
            FramingCheck.request("POST").header("Content-Length", "12").bodyBytes(12)),
        arguments(
            FindingCode.MISSING_LENGTH,
            FramingCheck.request("POST").bodyBytes(0),
            "POST with neither Content-Length nor Transfer-Encoding: servers that want a length"
                + " answer 411 Length Required; send Content-Length: 0 (RFC 9110 §8.6)",
            FramingCheck.request("POST").header("Content-Length", "0").bodyBytes(0)),
        arguments(
            FindingCode.MISSING_LENGTH,
            FramingCheck.request("PUT"),
            "PUT with neither Content-Length nor Transfer-Encoding: servers that want a length"
                + " answer 411 Length Required; send Content-Length with the body's byte count, or"
                + " Content-Length: 0 for no body (RFC 9110 §8.6)",
            // Methods are case-sensitive (RFC 9110 §9.1): "put" is not PUT.
            FramingCheck.request("put")),
        arguments(
            FindingCode.CONTENT_WITHOUT_SEMANTICS,
            FramingCheck.request("GET").header("Content-Length", "5").bodyBytes(5),
            "GET carries content (Content-Length: 5), which has no defined meaning for GET (RFC"
                + " 9110 §9.3) and which some servers and proxies reject or drop; send the data in"
                + " the target, or use POST",
            FramingCheck.request("GET").header("Content-Length", "0").bodyBytes(0)),
        arguments(
            FindingCode.CONTENT_WITHOUT_SEMANTICS,
            FramingCheck.request("DELETE").header("Transfer-Encoding", "chunked"),
            "DELETE carries content (Transfer-Encoding: \"chunked\"), which has no defined meaning"
                + " for DELETE (RFC 9110 §9.3) and which some servers and proxies reject or drop;"
                + " send the data in the target, or use POST",
            FramingCheck.request("OPTIONS").header("Transfer-Encoding", "chunked")));
  }

  @ParameterizedTest(name = "{0}: {2}")
  @MethodSource("findings")
  void reportsEachCodeWithItsSeverityAndMessage(
      FindingCode code,
      FramingCheck.Builder trigger,
      String message,
      FramingCheck.Builder nearMiss) {
    FramingReport report = trigger.check();

    assertThat(report.findings()).containsExactly(new FramingFinding(code, message));
    assertThat(report.findings().get(0).severity()).isEqualTo(code.severity());
    assertThat(report.hasErrors()).isEqualTo(code.severity() == Severity.ERROR);
    assertThat(nearMiss.check().findings()).isEmpty();
  }

  @Test
  void findingTableCoversEveryCode() {
    Set<Object> covered = findings().map(a -> a.get()[0]).collect(Collectors.toSet());

    assertThat(covered).containsExactlyInAnyOrder((Object[]) FindingCode.values());
  }

  @Test
  void severitiesAreErrorsExceptRepeatedLengthMissingLengthAndContentWithoutSemantics() {
    assertThat(
            Arrays.stream(FindingCode.values()).filter(code -> code.severity() == Severity.WARNING))
        .containsExactly(
            FindingCode.REPEATED_CONTENT_LENGTH,
            FindingCode.MISSING_LENGTH,
            FindingCode.CONTENT_WITHOUT_SEMANTICS);
  }

  @Test
  void exactLengthWithOneHeaderIsClean() {
    FramingReport report =
        FramingCheck.check(
            "POST",
            "/upload",
            List.of(Map.entry("Host", "example.com"), Map.entry("Content-Length", "12")),
            12);

    assertThat(report.isClean()).isTrue();
    assertThat(report.hasErrors()).isFalse();
    assertThat(report.declaredLength()).isEqualTo(12);
  }

  @Test
  void findingsAreGroupedInCodeOrder() {
    FramingReport report =
        FramingCheck.request("GET")
            .header("Transfer-Encoding", "gzip")
            .header("Content-Length", "x")
            .header("Content-Length", "5")
            .header("Bad Name", "1")
            .check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(
            FindingCode.INVALID_FIELD,
            FindingCode.CONTENT_LENGTH_WITH_TRANSFER_ENCODING,
            FindingCode.DUPLICATE_CONTENT_LENGTH,
            FindingCode.INVALID_CONTENT_LENGTH,
            FindingCode.TRANSFER_ENCODING_NOT_CHUNKED_LAST,
            FindingCode.CONTENT_WITHOUT_SEMANTICS);
  }

  @Test
  void conflictingLengthsOnGetAnnounceContent() {
    FramingReport report =
        FramingCheck.request("GET")
            .header("Content-Length", "5")
            .header("Content-Length", "6")
            .check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(
            FindingCode.DUPLICATE_CONTENT_LENGTH, FindingCode.CONTENT_WITHOUT_SEMANTICS);
    assertThat(report.findings().get(1).message())
        .startsWith("GET carries content (Content-Length: \"5\", \"6\"), which");
  }

  @Test
  void eachInvalidLengthInAListIsNamed() {
    FramingReport report =
        FramingCheck.request("POST").header("Content-Length", "5, -1, ,0x5").bodyBytes(5).check();

    assertThat(report.findings())
        .extracting(FramingFinding::code, f -> f.message().substring(0, f.message().indexOf(':')))
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.CONTENT_LENGTH_LIST,
                "Content-Length is a list of different or invalid values (\"5, -1, ,0x5\")"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.INVALID_CONTENT_LENGTH,
                "Content-Length \"-1\" is not a decimal number"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.INVALID_CONTENT_LENGTH,
                "Content-Length \"5, -1, ,0x5\" holds an empty list element"),
            org.assertj.core.groups.Tuple.tuple(
                FindingCode.INVALID_CONTENT_LENGTH,
                "Content-Length \"0x5\" is not a decimal number"));
    assertThat(report.declaredLength()).isEqualTo(-1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"5,", ",5", "5, ,5", " ,5", "5,,"})
  void emptyListElementMakesTheLengthInvalid(String value) {
    FramingReport report =
        FramingCheck.request("POST").header("Content-Length", value).bodyBytes(5).check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.CONTENT_LENGTH_LIST, FindingCode.INVALID_CONTENT_LENGTH);
    assertThat(report.findings().get(1).message())
        .isEqualTo(
            "Content-Length "
                + FramingCheck.quote(value)
                + " holds an empty list element: RFC 9110 §8.6 allows ASCII digits only and a"
                + " server must reject the request (RFC 9112 §6.3); send Content-Length: 5");
    assertThat(report.hasErrors()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(-1);
  }

  @Test
  void listOfOnlyEmptyElementsIsInvalid() {
    FramingReport report =
        FramingCheck.request("POST").header("Content-Length", " , ").bodyBytes(5).check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.CONTENT_LENGTH_LIST, FindingCode.INVALID_CONTENT_LENGTH);
    assertThat(report.declaredLength()).isEqualTo(-1);
  }

  @Test
  void listWithWhitespaceAroundCommasOfEqualValuesDeclaresThatValue() {
    FramingReport report =
        FramingCheck.request("POST").header("Content-Length", "5 ,\t5").bodyBytes(6).check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.LENGTH_MISMATCH, FindingCode.REPEATED_CONTENT_LENGTH);
    assertThat(report.declaredLength()).isEqualTo(5);
  }

  @Test
  void repeatedEqualLengthsMatchingTheBodyAreOnlyAWarning() {
    FramingReport fields =
        FramingCheck.request("POST")
            .header("Content-Length", "5")
            .header("Content-Length", "5, 5")
            .bodyBytes(5)
            .check();

    assertThat(fields.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.REPEATED_CONTENT_LENGTH, FindingCode.REPEATED_CONTENT_LENGTH);
    assertThat(fields.hasErrors()).isFalse();
    assertThat(fields.declaredLength()).isEqualTo(5);
  }

  @Test
  void repeatedFieldsThatDisagreeAreAnErrorEvenWhenEachListAgrees() {
    FramingReport report =
        FramingCheck.request("POST")
            .header("Content-Length", "5, 5")
            .header("Content-Length", "7")
            .bodyBytes(5)
            .check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.DUPLICATE_CONTENT_LENGTH, FindingCode.REPEATED_CONTENT_LENGTH);
    assertThat(report.hasErrors()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(-1);
  }

  @Test
  void emptyTransferEncodingDoesNotEndWithChunked() {
    FramingReport report = FramingCheck.request("POST").header("Transfer-Encoding", " , ").check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.TRANSFER_ENCODING_NOT_CHUNKED_LAST);
  }

  @Test
  void chunkedWithParametersIsNotPlainChunked() {
    FramingReport report =
        FramingCheck.request("POST")
            .header("Transfer-Encoding", "chunked;x=1")
            .header("Transfer-Encoding", "chunked")
            .check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.CHUNKED_MORE_THAN_ONCE);
  }

  @Test
  void bodyOfUnknownLengthIsNotComparedWithTheDeclaredLength() {
    FramingReport report =
        FramingCheck.request("POST").header("Content-Length", "5").bodyBytes(-1).check();

    assertThat(report.isClean()).isTrue();
    assertThat(report.declaredLength()).isEqualTo(5);
    assertThat(report.bodyBytes()).isEqualTo(-1);
  }

  @Test
  void bodyOnGetWithoutFramingIsUnframedAndWithoutSemantics() {
    FramingReport report = FramingCheck.request("GET").bodyBytes(3).check();

    assertThat(report.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.UNFRAMED_BODY, FindingCode.CONTENT_WITHOUT_SEMANTICS);
    assertThat(report.findings().get(1).message())
        .startsWith("GET carries content (3 bytes of body)");
  }

  @Test
  void messagesEscapeControlCharactersAndShortenLongValues() {
    String longValue = "1".repeat(70) + "x";
    FramingReport report =
        FramingCheck.request("POST")
            .header("Content-Length", "5\r\nX: \"y\"\\")
            .header("Content-Length", longValue)
            .check();

    assertThat(report.findings())
        .extracting(FramingFinding::message)
        .allSatisfy(message -> assertThat(message).doesNotContain("\r", "\n"))
        .anySatisfy(
            message ->
                assertThat(message)
                    .startsWith(
                        "Content-Length \"5\\r\\nX: \\\"y\\\"\\\\\" is not a decimal number"))
        .anySatisfy(
            message ->
                assertThat(message)
                    .startsWith(
                        "Content-Length \"" + "1".repeat(64) + "...(71 chars)\" is not a decimal"));
  }

  @Test
  void listOfEntriesGivesTheSameReportAsTheBuilder() {
    FramingReport fromList =
        FramingCheck.check(
            "POST",
            List.of(Map.entry("Content-Length", "5"), Map.entry("Transfer-Encoding", "chunked")),
            5);
    FramingReport fromBuilder =
        FramingCheck.request("POST")
            .header("Content-Length", "5")
            .header("Transfer-Encoding", "chunked")
            .bodyBytes(5)
            .check();

    assertThat(fromList.findings()).isEqualTo(fromBuilder.findings());
    assertThat(fromList.render()).isEqualTo(fromBuilder.render());
  }

  @Test
  void builderCanBeReusedAfterCheck() {
    FramingCheck.Builder builder = FramingCheck.request("POST").header("Content-Length", "5");
    FramingReport first = builder.bodyBytes(5).check();

    builder.header("Content-Length", "6");
    FramingReport second = builder.check();

    assertThat(first.isClean()).isTrue();
    assertThat(second.findings())
        .extracting(FramingFinding::code)
        .containsExactly(FindingCode.DUPLICATE_CONTENT_LENGTH);
  }

  @Test
  void rejectsNullArgumentsNamingThem() {
    List<Map.Entry<String, String>> nullName = List.of(new SimpleEntry<>(null, "5"));
    List<Map.Entry<String, String>> nullValue =
        List.of(Map.entry("Host", "a"), new SimpleEntry<>("Content-Length", null));

    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.check(null, List.of(), 0))
        .withMessage("method == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.check("POST", null, 0))
        .withMessage("headers == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.check("POST", Arrays.asList(Map.entry("a", "b"), null), 0))
        .withMessage("headers[1] == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.check("POST", nullName, 0))
        .withMessage("headers[0] name == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.check("POST", nullValue, 0))
        .withMessage("headers[1] value == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.request(null))
        .withMessage("method == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.request("POST").header(null, "1"))
        .withMessage("name == null");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.request("POST").header("Host", null))
        .withMessage("value == null");
  }

  @Test
  void rejectsBodyBytesBelowMinusOne() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FramingCheck.check("POST", List.of(), -2))
        .withMessage("bodyBytes < -1: -2");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FramingCheck.request("POST").bodyBytes(Long.MIN_VALUE))
        .withMessage("bodyBytes < -1: " + Long.MIN_VALUE);
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "7", "0007", "9223372036854775807", "00000000000000000000000000042"})
  void parsesAsciiDigits(String value) {
    assertThat(FramingCheck.parseContentLength(value)).isEqualTo(Long.parseLong(value));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"", " 5", "5 ", "+5", "-5", "0x5", "5.0", "1e3", "5, 5", "５", "٥", "5\u0000"})
  void rejectsAnythingButAsciiDigits(String value) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FramingCheck.parseContentLength(value))
        .withMessage(
            "Content-Length is not ASCII digits (RFC 9110 §8.6): " + FramingCheck.quote(value));
  }

  @Test
  void rejectsLengthsPastLongMaxValue() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FramingCheck.parseContentLength("9223372036854775808"))
        .withMessage(
            "Content-Length overflows a long (max 9223372036854775807): \"9223372036854775808\"");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> FramingCheck.parseContentLength("99999999999999999999x"))
        .withMessage(
            "Content-Length is not ASCII digits (RFC 9110 §8.6): \"99999999999999999999x\"");
    assertThatNullPointerException()
        .isThrownBy(() -> FramingCheck.parseContentLength(null))
        .withMessage("value == null");
  }
}
