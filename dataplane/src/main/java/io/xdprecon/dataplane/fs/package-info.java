/**
 * File-system events over FFM: {@link io.xdprecon.dataplane.fs.Inotify} tells the config source when a
 * file was closed after a write, which {@code java.nio.file.WatchService} cannot (it reports modifications
 * only, so a file being written looks the same as a file written).
 *
 * <p>May import: {@code dataplane.ffm}.
 */
package io.xdprecon.dataplane.fs;
