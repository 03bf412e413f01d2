package io.lengthguard.probe;

/** Standard reason phrases (RFC 9110 §15), for servers that send none and for the demo table. */
final class Statuses {
  private Statuses() {}

  static String reason(int status) {
    switch (status) {
      case 100:
        return "Continue";
      case 200:
        return "OK";
      case 201:
        return "Created";
      case 202:
        return "Accepted";
      case 204:
        return "No Content";
      case 301:
        return "Moved Permanently";
      case 302:
        return "Found";
      case 304:
        return "Not Modified";
      case 400:
        return "Bad Request";
      case 401:
        return "Unauthorized";
      case 403:
        return "Forbidden";
      case 404:
        return "Not Found";
      case 405:
        return "Method Not Allowed";
      case 411:
        return "Length Required";
      case 413:
        return "Content Too Large";
      case 415:
        return "Unsupported Media Type";
      case 417:
        return "Expectation Failed";
      case 500:
        return "Internal Server Error";
      case 501:
        return "Not Implemented";
      case 502:
        return "Bad Gateway";
      case 503:
        return "Service Unavailable";
      default:
        return "";
    }
  }
}
