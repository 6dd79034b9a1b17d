package io.xdprecon.config;

import io.xdprecon.config.Spec.Layer;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One file of a config, read and checked on its own: what it declares (its layer and any node overrides), its
 * flows packed, and every problem found in it, placed. Nothing here depends on another file, so a new revision
 * that leaves the file's content as it was keeps this, unread ({@code ConfigCache}).
 *
 * @param prefix      what the file's JSON pointers start with: "" for a config of one file, {@code /NAME} (the
 *                    file's path in the config directory, escaped) for one file of several
 * @param way         how its YAML was read, so that a second read (to place a problem) reads it the same way
 * @param readable    false when its YAML, or its apiVersion, made everything else moot; only errors count then
 * @param base        what the file declares besides its flows (pointers with {@code prefix})
 * @param nodes       its node overrides, by node, when it has {@code nodes}
 * @param flows       its {@code flows}, packed; rows that could not be read are left out and counted in {@code unreadFlows}
 * @param rejected    pointers of values the schema rejected: no later check says more about them
 * @param errors      its own problems, placed
 * @param unkept      more problems of its flows, counted but not kept ({@link FileParser#MAX_FLOW_ERRORS})
 * @param sourceMap   where its values stand, except the items of a streamed {@code flows}
 * @param streamed    its flows' items were read one at a time: their positions take a second read
 * @param sections    the top-level keys it has, each once
 * @param checksum    CRC-32C of its bytes as read, to notice a second read of other bytes
 * @param characters  how many characters (code points) were read: a config's files together are bounded
 */
record ParsedFile(ConfigInput input, String prefix, YamlReader.Way way, boolean readable, Layer base,
        Map<String, Layer> nodes, FlowTable flows, int unreadFlows, Set<String> rejected, List<ConfigError> errors,
        int unkept, SourceMap sourceMap, boolean streamed, List<String> sections, long checksum,
        long characters) {

    /** The same result for the same bytes delivered as {@code other} (another revision's name for the file). */
    ParsedFile as(ConfigInput other) {
        return new ParsedFile(other, prefix, way, readable, base, nodes, flows, unreadFlows, rejected, errors, unkept,
                sourceMap, streamed, sections, checksum, characters);
    }

    /** The pointer within the file of {@code pointer} (which starts with the file's prefix). */
    String local(String pointer) {
        return pointer.substring(prefix.length());
    }
}
