package io.jvfio.host.sdk;

/** What the core tells a model about the function it plays. */
public record DeviceContext(String bdf, int vendor, int device) {}
