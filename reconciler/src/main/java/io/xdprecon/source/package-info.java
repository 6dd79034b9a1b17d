/**
 * Where revisions of the config come from: a file or a directory with one YAML file
 * ({@link io.xdprecon.source.FileSource}, watched) or a Git repository ({@link io.xdprecon.source.GitSource}: fetch,
 * SSH/HTTPS credentials, commit trust). A {@link io.xdprecon.source.Revision} is text with an id; what it means is
 * {@code config}'s business.
 *
 * <p>May import: {@code dataplane.fs} (inotify, to read a file only once its writer closed it).
 */
package io.xdprecon.source;
