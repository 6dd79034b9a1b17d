package io.xdprecon.plan;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Optional;

/** A saved plan ({@code xdprecon plan --out FILE}): the {@link PlanJson} document in a file. */
public final class PlanFile {
    private PlanFile() {}

    /**
     * Writes the plan atomically: to a temporary file beside the target, flushed to disk, then moved over
     * it — a reader (or a crash) sees the old file or the new one, never half of one.
     */
    public static void save(Plan plan, Path file) {
        save(plan, null, file);
    }

    /** {@link #save(Plan, Path)} with where the plan was made, which apply checks. */
    public static void save(Plan plan, PlanOrigin origin, Path file) {
        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path temp = null;
        try {
            temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                // Written as it is made: the document of a full map's plan (~250 MB) does not fit the unit's heap.
                Writer writer = new BufferedWriter(new OutputStreamWriter(Channels.newOutputStream(channel),
                        StandardCharsets.UTF_8), 1 << 16);
                PlanJson.write(plan, origin, writer);
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            temp = null;
        } catch (NoSuchFileException e) {
            throw new PlanFileException(file, PlanFileException.Problem.MISSING,
                    "cannot write plan file " + file + ": directory " + dir + " does not exist", e);
        } catch (IOException e) {
            throw new PlanFileException(file, PlanFileException.Problem.IO,
                    "cannot write plan file " + file + ": " + describe(e), e);
        } finally {
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // The write already failed; that error is the one to report.
                }
            }
        }
    }

    /** A plan as saved, and where it was made (empty in a file saved before plans said so). */
    public record Saved(Plan plan, Optional<PlanOrigin> origin) {}

    /** Reads a plan saved by {@link #save}; every failure names the file and what is wrong with it. */
    public static Plan load(Path file) {
        return loadSaved(file).plan();
    }

    /** {@link #load}, with the plan's origin; read as it is parsed (a full map's plan is some 250 MB of JSON). */
    public static Saved loadSaved(Path file) {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return PlanJson.read(reader);
        } catch (NoSuchFileException e) {
            throw new PlanFileException(file, PlanFileException.Problem.MISSING,
                    "plan file " + file + " does not exist", e);
        } catch (PlanFormatException e) {
            throw new PlanFileException(file, PlanFileException.Problem.FORMAT,
                    "plan file " + file + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new PlanFileException(file, PlanFileException.Problem.IO,
                    "cannot read plan file " + file + ": " + describe(e), e);
        }
    }

    private static String describe(IOException e) {
        return switch (e) {
            case AccessDeniedException _ -> "permission denied";
            case CharacterCodingException _ -> "not UTF-8 text";
            default -> e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        };
    }
}
