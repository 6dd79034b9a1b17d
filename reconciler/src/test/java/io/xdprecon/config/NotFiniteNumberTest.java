package io.xdprecon.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A float no double holds ({@code 1e400}, {@code .inf}, {@code .nan}) where the config wants something else is a
 * config error at its place, quoted as written — the schema validator's enum check threw NumberFormatException
 * ("Infinite or NaN") out of validate on {@code icmpEcho: .inf}, found by the config fuzzer.
 */
class NotFiniteNumberTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "icmpEcho: answer|icmpEcho: .inf|23:13: datapath.icmpEcho: .inf is a number, expected a string|23:13: datapath.icmpEcho: .inf is not one of: answer, drop",
        "icmpEcho: answer|icmpEcho: -.Inf|23:13: datapath.icmpEcho: -.Inf is a number, expected a string|23:13: datapath.icmpEcho: -.Inf is not one of: answer, drop",
        "icmpEcho: answer|icmpEcho: .nan|23:13: datapath.icmpEcho: .nan is a number, expected a string|23:13: datapath.icmpEcho: .nan is not one of: answer, drop",
        "icmpEcho: answer|icmpEcho: 1e400|23:13: datapath.icmpEcho: 1e400 is a number, expected a string|23:13: datapath.icmpEcho: 1e400 is not one of: answer, drop",
        "maxRules: 524288|maxRules: 1e400|22:13: datapath.maxRules: 1e400 is a number, expected an integer|22:13: datapath.maxRules: 1e400 is out of range 2..16777216",
        "maxRules: 524288|maxRules: -.inf|22:13: datapath.maxRules: -.inf is a number, expected an integer|22:13: datapath.maxRules: -.inf is out of range 2..16777216",
        "name: rtp-alice|name: .nan|27:11: flows[0].name: .nan is a number, expected a string|",
    })
    void isAConfigErrorQuotedAsWritten(String line, String replaced, String first, String second) throws IOException {
        String example = Files.readString(Path.of("../examples/flows.yaml"));
        String text = example.replaceFirst(java.util.regex.Pattern.quote(line), replaced);
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(Path.of("f.yaml"), text));
        assertEquals(second == null ? List.of("f.yaml:" + first) : List.of("f.yaml:" + first, "f.yaml:" + second), e.lines());
    }
}
