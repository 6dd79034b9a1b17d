package io.xdprecon.config;

import java.util.regex.Pattern;
import org.yaml.snakeyaml.nodes.NodeId;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.resolver.Resolver;

/** YAML 1.2 core schema resolution of plain scalars (SnakeYAML's default follows YAML 1.1). */
final class CoreSchemaResolver extends Resolver {
    /** Every character any of the patterns below can match; a scalar with another one is a string. */
    private static final boolean[] RESOLVABLE = new boolean[128];

    static {
        for (char c : "0123456789+-.~<abcdefilnorstuxABCDEFILNRSTU".toCharArray()) {
            RESOLVABLE[c] = true;
        }
    }

    /** Most values (names, addresses with ports) hold a character no pattern allows: skip the regexes. */
    @Override
    public Tag resolve(NodeId kind, String value, boolean implicit) {
        if (kind == NodeId.scalar && implicit && !value.isEmpty()) {
            char first = value.charAt(0);
            // Only numbers start with one of -+.0-9; booleans, null and '<<' hold no digit.
            boolean number = first == '-' || first == '+' || first == '.' || first >= '0' && first <= '9';
            int dots = 0;
            boolean digitsAndDots = true;
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if (c >= RESOLVABLE.length || !RESOLVABLE[c] || !number && c >= '0' && c <= '9') {
                    return Tag.STR;
                }
                dots += c == '.' ? 1 : 0;
                digitsAndDots &= c == '.' || c >= '0' && c <= '9';
            }
            if (digitsAndDots && dots >= 2) {
                return Tag.STR; // an address: a float has one point at most
            }
        }
        return super.resolve(kind, value, implicit);
    }

    @Override
    protected void addImplicitResolvers() {
        addImplicitResolver(Tag.BOOL, Pattern.compile("^(?:true|True|TRUE|false|False|FALSE)$"), "tTfF");
        addImplicitResolver(Tag.INT, Pattern.compile("^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$"), "-+0123456789");
        addImplicitResolver(Tag.FLOAT, Pattern.compile(
                "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$"),
                "-+0123456789.");
        addImplicitResolver(Tag.NULL, Pattern.compile("^(?:~|null|Null|NULL|)$"), "~nN\0");
        addImplicitResolver(Tag.MERGE, Pattern.compile("^<<$"), "<");
    }
}
