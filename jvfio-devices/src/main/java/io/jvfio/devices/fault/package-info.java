/**
 * Fault injection for device models: {@link io.jvfio.devices.fault.FaultyDevice} wraps any model
 * and makes chosen migration arcs fail, stall or break the device, or damages its saving streams.
 */
package io.jvfio.devices.fault;
