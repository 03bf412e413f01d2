package io.lengthguard.it;

import io.lengthguard.GuardPolicy;

/** The clients of the matrix, each guarded the way its README says. */
enum ClientKind {
  /** OkHttp 5 with {@code LengthGuardInterceptor}. */
  OKHTTP("OkHttp") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedOkHttp.open(policy);
    }
  },
  /** A default classic HttpClient 5, wrapped: the client most users have. */
  CLASSIC("HttpClient5 classic") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedClassic.open(policy, false);
    }
  },
  /** A classic HttpClient 5 on {@code EarlyResponses} connections, wrapped. */
  CLASSIC_EARLY_RESPONSES("HttpClient5 classic + EarlyResponses") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedClassic.open(policy, true);
    }
  },
  /** The async HttpClient 5 with {@code LengthGuardAsyncExecHandler}. */
  ASYNC("HttpClient5 async") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedAsync.open(policy);
    }
  },
  /** The JDK's own {@code java.net.http.HttpClient}, wrapped. */
  JDK("java.net.http") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedJdk.open(policy);
    }
  },
  /** Spring's {@code RestClient} over the JDK request factory, wrapped. */
  REST_CLIENT("RestClient over JDK") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedRestClient.open(policy);
    }
  },
  /** Spring's {@code WebClient} over Reactor Netty, its connector wrapped. */
  WEB_CLIENT("WebClient over Reactor Netty") {
    @Override
    GuardedClient open(GuardPolicy policy) {
      return GuardedWebClient.open(policy);
    }
  };

  private final String displayName;

  ClientKind(String displayName) {
    this.displayName = displayName;
  }

  /** Returns a new client of this kind guarded by {@code policy}. */
  abstract GuardedClient open(GuardPolicy policy);

  @Override
  public String toString() {
    return displayName;
  }
}
