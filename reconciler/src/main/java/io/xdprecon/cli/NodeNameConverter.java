package io.xdprecon.cli;

import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --node}: a host name, as node names are in the config ({@code nodes} in schema/flows.schema.json,
 * whose pattern this is; a test keeps the two equal). An empty or odd name would silently match no node's
 * overrides and plan the base alone.
 */
final class NodeNameConverter implements ITypeConverter<String> {
    static final Pattern NODE_NAME = Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$");

    @Override
    public String convert(String value) {
        if (!NODE_NAME.matcher(value).matches()) {
            throw new TypeConversionException("'" + value + "' is not a node name: a host name of letters, digits, '-'"
                    + " and '.' (as under 'nodes' in the config)");
        }
        return value;
    }
}
