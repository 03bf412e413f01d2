package io.lengthguard.it;

import org.jspecify.annotations.Nullable;

/**
 * What a client got back through a gateway: the status, and the backend's report of the bytes it
 * received ({@link RecordingBackend#RECEIVED_LENGTH}, {@link RecordingBackend#RECEIVED_SHA256}),
 * null when the request never reached the backend.
 */
record Reply(int status, @Nullable String receivedLength, @Nullable String receivedSha256) {}
