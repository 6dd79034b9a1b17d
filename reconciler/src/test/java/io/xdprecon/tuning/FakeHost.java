package io.xdprecon.tuning;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.IntUnaryOperator;

/**
 * A scripted node: commands answer with canned outputs (each answer used once, the last one repeated) or
 * fail like {@code Lab.run} does; sysfs is a map of files, and a huge page write keeps what {@link #grant}
 * allows, as the kernel does when memory runs short.
 */
final class FakeHost implements Host {
    private final Map<String, Deque<Object>> answers = new HashMap<>();
    final List<String> ran = new ArrayList<>();
    final Map<Path, String> files = new HashMap<>();
    IntUnaryOperator grant = asked -> asked;

    private record Failure(String stderr) {}

    FakeHost on(String commandLine, String... outputs) {
        answers.computeIfAbsent(commandLine, k -> new ArrayDeque<>()).addAll(List.of(outputs));
        return this;
    }

    FakeHost fails(String commandLine, String stderr) {
        answers.computeIfAbsent(commandLine, k -> new ArrayDeque<>()).add(new Failure(stderr));
        return this;
    }

    FakeHost file(String path, String content) {
        files.put(Path.of(path), content);
        return this;
    }

    @Override
    public String run(List<String> command) {
        String line = Host.commandLine(command);
        ran.add(line);
        Deque<Object> queue = answers.get(line);
        if (queue == null || queue.isEmpty()) {
            throw new AssertionError("unexpected command: " + line);
        }
        Object answer = queue.size() > 1 ? queue.poll() : queue.peek();
        if (answer instanceof Failure(String stderr)) {
            throw new CommandFailedException(command, "`" + line + "` exited with 1: " + stderr, null);
        }
        return (String) answer;
    }

    @Override
    public String read(Path file) throws IOException {
        String content = files.get(file);
        if (content == null) {
            throw new NoSuchFileException(file.toString());
        }
        return content;
    }

    @Override
    public void write(Path file, String text) throws IOException {
        if (!files.containsKey(file)) {
            throw new NoSuchFileException(file.toString());
        }
        ran.add("write " + text + " to " + file);
        files.put(file, Integer.toString(grant.applyAsInt(Integer.parseInt(text.strip()))) + "\n");
    }

    @Override
    public List<String> list(Path dir) {
        TreeSet<String> names = new TreeSet<>();
        for (Path p : files.keySet()) {
            if (p.startsWith(dir) && !p.equals(dir)) {
                names.add(dir.relativize(p).getName(0).toString());
            }
        }
        return List.copyOf(names);
    }
}
