import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.lang.classfile.MethodModel;
import java.lang.classfile.MethodTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Build step (run by the JDK's source launcher from reconciler/pom.xml, package phase): the launchers' class path,
 * {@code target/runtime.classpath}, is the dependencies' ({@code target/dependencies.classpath}) with each jar whose
 * classes the JDK's AOT cache cannot hold replaced by a copy in {@code OUT_DIR} that it can hold, the classes' code
 * unchanged:
 * <ul>
 *   <li>classes older than Java 6 (class file version 50) are re-targeted at Java 8 (52) with generated stack maps:
 *       the cache does not keep a class of version 49 or older once it has been linked (the old verifier must check it
 *       at run time), nor the classes that extend or implement one. Picocli 4.7 (its newest release) is compiled for
 *       Java 5, so its classes, and our converters, version provider and commands that implement its interfaces,
 *       loaded, verified and ran interpreted at every start of every command;</li>
 *   <li>a signed jar (JGit's, Bouncy Castle's) loses its signature: the cache does not keep classes of signed jars,
 *       the first class loaded from one verified the whole jar's signature (~0.25 s: every start with a Git source),
 *       and opening one parsed a manifest of a digest per entry (bcprov's is 870 KB) at every start, as any class or
 *       resource lookup that misses opens every jar.</li>
 * </ul>
 * A copy keeps the jar's name and its other entries, and says what was done in {@code META-INF/XDPRECON-MODIFIED.txt}
 * (packaging/deb/copyright too). It is written only when missing or older than its source jar or this file, so that a
 * rebuild does not make the launcher retrain its cache.
 *
 * <p>Usage: {@code java CacheableJars.java DEPENDENCIES_CLASSPATH_FILE RUNTIME_CLASSPATH_FILE OUT_DIR}.
 */
public final class CacheableJars {
    /** Java 6: the first version whose classes carry stack maps and are verified by type checking. */
    private static final int STACK_MAPS_VERSION = ClassFile.JAVA_6_VERSION;
    /** What the old classes become: Java 8, as the other dependencies are (no code in them uses what 8 forbids). */
    private static final int TARGET_VERSION = ClassFile.JAVA_8_VERSION;
    private static final String NOTICE = "META-INF/XDPRECON-MODIFIED.txt";

    private CacheableJars() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 3) {
            throw new IllegalArgumentException("usage: java CacheableJars.java DEPENDENCIES_CLASSPATH RUNTIME_CLASSPATH OUT_DIR");
        }
        Path dependencies = Path.of(args[0]);
        Path runtime = Path.of(args[1]);
        Path outDir = Path.of(args[2]).toAbsolutePath();
        FileTime self = Files.getLastModifiedTime(Path.of(CacheableJars.class.getProtectionDomain().getCodeSource()
                .getLocation().getPath()));
        List<Path> jars = Arrays.stream(Files.readString(dependencies).strip().split(File.pathSeparator))
                .filter(s -> !s.isEmpty()).map(Path::of).toList();
        ClassHierarchyResolver resolver = hierarchy(jars);
        Files.createDirectories(outDir);
        List<String> classpath = new ArrayList<>();
        for (Path jar : jars) {
            boolean old = hasOldClasses(jar);
            boolean signed = isSigned(jar);
            if (!old && !signed) {
                classpath.add(jar.toString());
                continue;
            }
            Path copy = outDir.resolve(jar.getFileName());
            FileTime written = Files.exists(copy) ? Files.getLastModifiedTime(copy) : null;
            if (written == null || written.compareTo(Files.getLastModifiedTime(jar)) < 0 || written.compareTo(self) < 0) {
                String done = copy(jar, copy, resolver);
                System.out.println("CacheableJars: " + jar.getFileName() + ": " + done);
            }
            classpath.add(copy.toString());
        }
        String joined = String.join(File.pathSeparator, classpath);
        if (!Files.exists(runtime) || !Files.readString(runtime).equals(joined)) {
            Files.writeString(runtime, joined); // no final newline, as the dependency plugin writes it
        }
    }

    /** The stack maps' merges of reference types need every class's supertypes: the class path's, then the JDK's. */
    private static ClassHierarchyResolver hierarchy(List<Path> jars) throws IOException {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toUri().toURL();
        }
        URLClassLoader loader = new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
        return ClassHierarchyResolver.ofResourceParsing(loader).orElse(ClassHierarchyResolver.defaultResolver()).cached();
    }

    private static boolean hasOldClasses(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (ZipEntry entry : zip.stream().toList()) {
                if (isBaseClass(entry)) {
                    try (InputStream in = zip.getInputStream(entry)) {
                        byte[] header = in.readNBytes(8);
                        if (header.length == 8 && ((header[6] & 0xff) << 8 | (header[7] & 0xff)) < STACK_MAPS_VERSION) {
                            return true;
                        }
                    }
                }
            }
        }
        return false;
    }

    private static boolean isSigned(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            return zip.stream().anyMatch(entry -> isSignature(entry.getName()));
        }
    }

    /** A signature file of a signed jar (JAR File Specification, "Signed JAR File"). */
    private static boolean isSignature(String name) {
        return name.startsWith("META-INF/") && name.indexOf('/', "META-INF/".length()) < 0
                && (name.endsWith(".SF") || name.endsWith(".RSA") || name.endsWith(".DSA") || name.endsWith(".EC"));
    }

    /** A class of the jar's base (a multi-release jar's versioned classes are Java 9 or later). */
    private static boolean isBaseClass(ZipEntry entry) {
        return entry.getName().endsWith(".class") && !entry.getName().startsWith("META-INF/");
    }

    /** Writes the cacheable copy of {@code jar}; returns what it changed. */
    private static String copy(Path jar, Path copy, ClassHierarchyResolver resolver) throws IOException {
        ClassFile classFile = ClassFile.of(ClassFile.ClassHierarchyResolverOption.of(resolver),
                ClassFile.StackMapsOption.GENERATE_STACK_MAPS);
        // Each method's code re-emitted as it is (so that its stack maps are generated), in a class of the new version.
        ClassTransform retarget = (builder, element) -> {
            switch (element) {
                case ClassFileVersion version -> builder.withVersion(TARGET_VERSION, 0);
                case MethodModel method when method.code().isPresent() ->
                        builder.transformMethod(method, MethodTransform.transformingCode(CodeTransform.ACCEPT_ALL));
                default -> builder.with(element);
            }
        };
        Path partial = copy.resolveSibling(copy.getFileName() + ".partial");
        int retargeted = 0;
        int signatures = 0;
        List<String> done = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile());
                OutputStream file = Files.newOutputStream(partial);
                ZipOutputStream out = new ZipOutputStream(file)) {
            for (ZipEntry entry : zip.stream().toList()) {
                if (isSignature(entry.getName())) {
                    signatures++;
                    continue;
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(entry)) {
                    bytes = in.readAllBytes();
                }
                if (entry.getName().equals(JarFile.MANIFEST_NAME)) {
                    // the main section only: the per-entry sections hold the signature's digests
                    Manifest manifest = new Manifest(new java.io.ByteArrayInputStream(bytes));
                    manifest.getEntries().clear();
                    ByteArrayOutputStream main = new ByteArrayOutputStream();
                    manifest.write(main);
                    bytes = main.toByteArray();
                } else if (isBaseClass(entry)) {
                    ClassModel model = classFile.parse(bytes);
                    if (model.majorVersion() < STACK_MAPS_VERSION) {
                        bytes = classFile.transformClass(model, retarget);
                        retargeted++;
                    }
                }
                ZipEntry written = new ZipEntry(entry.getName());
                written.setTime(entry.getTime()); // the source's times: the same copy from the same jar
                out.putNextEntry(written);
                out.write(bytes);
                out.closeEntry();
            }
            if (retargeted > 0) {
                done.add("its " + retargeted + " classes older than Java 6 re-targeted at class file version " + TARGET_VERSION
                        + " with generated stack maps");
            }
            if (signatures > 0) {
                done.add("its signature removed (" + signatures + " files, and the digests in its manifest)");
            }
            ZipEntry notice = new ZipEntry(NOTICE);
            notice.setTime(Files.getLastModifiedTime(jar).toMillis());
            out.putNextEntry(notice);
            out.write(("Modified by the xdprecon build (reconciler/CacheableJars.java) so that the JVM's AOT cache can hold its"
                    + " classes: " + String.join("; ", done) + ". The code of its classes is unchanged.\n")
                    .getBytes(StandardCharsets.UTF_8));
            out.closeEntry();
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        Files.move(partial, copy, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return String.join("; ", done);
    }
}
