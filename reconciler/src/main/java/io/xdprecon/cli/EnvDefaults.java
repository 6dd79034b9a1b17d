package io.xdprecon.cli;

import java.util.List;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Option defaults from the node's {@link EnvFile}: {@code --node}, {@code --pin-root}, {@code --admin} and
 * {@code --state-dir} for every command that has them; {@code run} also takes {@code --source}, {@code --interval},
 * {@code --drift} and the options in {@code XDPRECON_OPTS}, as the unit passes them. An option on the command line
 * wins. The config source of {@code validate}, {@code plan}, {@code apply} and {@code check} falls back to the
 * file's in {@link ConfigOptions}, with its Git options.
 */
record EnvDefaults(EnvFile env) implements IDefaultValueProvider {
    @Override
    public String defaultValue(ArgSpec arg) {
        if (!(arg instanceof OptionSpec option) || arg.command() == null) {
            return null;
        }
        String name = option.longestName();
        String variable = EnvFile.OPTION_VARIABLES.get(name);
        boolean run = arg.command().name().equals("run");
        if (variable == null && run) {
            variable = EnvFile.RUN_VARIABLES.get(name);
        }
        if (variable != null) {
            return env.get(variable).orElse(null);
        }
        return run && !option.typeInfo().isBoolean() ? fromOptions(option, env.options()) : null;
    }

    /** The word after one of {@code option}'s names in {@code words} ({@code --ref main} or {@code --ref=main}). */
    static String fromOptions(OptionSpec option, List<String> words) {
        String found = null;
        for (int i = 0; i < words.size(); i++) {
            for (String name : option.names()) {
                if (words.get(i).equals(name) && i + 1 < words.size()) {
                    found = words.get(i + 1);
                } else if (words.get(i).startsWith(name + "=")) {
                    found = words.get(i).substring(name.length() + 1);
                }
            }
        }
        return found;
    }
}
