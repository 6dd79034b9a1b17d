/**
 * Where revisions of the config come from: a file or a directory of YAML files
 * ({@link io.xdprecon.source.FileSource}, watched) or a Git repository ({@link io.xdprecon.source.GitSource}, which refuses
 * rollbacks and force-pushes and serves the applied commit while the remote is away, over three parts: the fetch
 * into a bare clone ({@code GitMirror}), SSH/HTTPS credentials ({@code GitCredentials}, {@code GitTransport}) and
 * commit trust ({@code CommitTrust}: OpenPGP and SSH signatures)). A {@link io.xdprecon.source.Revision} is a list of
 * {@code config.ConfigInput}s — each file's name, content id (SHA-256, Git blob id) and a way to open it, no text —
 * with an id; what they mean is {@code config}'s business.
 *
 * <p>May import: {@code config} (a revision's files are config inputs; which files a directory holds),
 * {@code dataplane.fs} (inotify, to read a file only once its writer closed it), {@code host} (regular
 * files only, I/O causes), {@code text} (where bytes are not UTF-8).
 */
package io.xdprecon.source;
