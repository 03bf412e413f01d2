package io.lengthguard.spring.boot.app;

import java.io.InputStream;
import java.time.Duration;
import org.springframework.core.io.InputStreamResource;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Service;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.client.WebClient;

/** Uploads streams of unknown length: Spring sends them chunked. */
@Service
public class Uploader {
  private final RestClient restClient;
  private final WebClient webClient;

  Uploader(RestClient.Builder restClients, WebClient.Builder webClients) {
    this.restClient = restClients.build();
    this.webClient = webClients.build();
  }

  /** Returns the status of a POST of {@code in} to {@code url} through RestClient. */
  public int postWithRestClient(String url, InputStream in) {
    return restClient
        .post()
        .uri(url)
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(new InputStreamResource(in))
        .exchange((request, response) -> response.getStatusCode().value());
  }

  /** Returns the status of a POST of {@code in} to {@code url} through WebClient. */
  public int postWithWebClient(String url, InputStream in) {
    return webClient
        .post()
        .uri(url)
        .contentType(MediaType.APPLICATION_OCTET_STREAM)
        .body(BodyInserters.fromResource(new InputStreamResource(in)))
        .exchangeToMono(
            response -> response.releaseBody().thenReturn(response.statusCode().value()))
        .block(Duration.ofSeconds(30));
  }
}
