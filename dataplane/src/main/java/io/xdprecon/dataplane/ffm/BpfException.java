package io.xdprecon.dataplane.ffm;

/**
 * A failed native BPF or network operation: names the operation, what it acted on, and the kernel's
 * reason. The subclasses are the failures callers handle differently; the errno stays readable for logs, but
 * code branches on the type, never on the number.
 */
public sealed class BpfException extends RuntimeException
        permits BpfException.NotFound, BpfException.NoSuchDevice, BpfException.AlreadyExists,
                BpfException.CapacityExceeded, BpfException.OutOfMemory, BpfException.PermissionDenied,
                BpfException.InvalidArgument, BpfException.Unsupported, BpfException.Busy {

    private final String operation;
    private final String target;
    private final int errno;

    BpfException(String operation, String target, int errno) {
        super(operation + " " + target + ": " + Errno.explain(errno));
        this.operation = operation;
        this.target = target;
        this.errno = errno;
    }

    /** Builds the exception that fits {@code errno}. */
    public static BpfException of(String operation, String target, int errno) {
        return switch (errno) {
            case Errno.ENOENT -> new NotFound(operation, target, errno);
            case Errno.ENODEV -> new NoSuchDevice(operation, target, errno);
            case Errno.EEXIST -> new AlreadyExists(operation, target, errno);
            case Errno.E2BIG, Errno.ENOSPC -> new CapacityExceeded(operation, target, errno);
            case Errno.ENOMEM -> new OutOfMemory(operation, target, errno);
            case Errno.EPERM, Errno.EACCES -> new PermissionDenied(operation, target, errno);
            case Errno.EINVAL -> new InvalidArgument(operation, target, errno);
            case Errno.EOPNOTSUPP, Errno.ENOTSUPP -> new Unsupported(operation, target, errno);
            case Errno.EBUSY -> new Busy(operation, target, errno);
            default -> new BpfException(operation, target, errno);
        };
    }

    /** Returns {@code rc} when it is not negative, else throws for {@code -rc}. */
    public static int check(int rc, String operation, String target) {
        if (rc < 0) {
            throw of(operation, target, -rc);
        }
        return rc;
    }

    public String operation() {
        return operation;
    }

    public String target() {
        return target;
    }

    public int errno() {
        return errno;
    }

    public static final class NotFound extends BpfException {
        NotFound(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    /** No such network device (ENODEV): {@code if_nametoindex} of a name this namespace does not have. */
    public static final class NoSuchDevice extends BpfException {
        NoSuchDevice(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    public static final class AlreadyExists extends BpfException {
        AlreadyExists(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    /** The map is full (E2BIG) or a buffer was too small (ENOSPC). */
    public static final class CapacityExceeded extends BpfException {
        CapacityExceeded(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    /**
     * The kernel could not allocate (ENOMEM): for a map without preallocation, an update the memory limit
     * refuses — to a writer like a full map.
     */
    public static final class OutOfMemory extends BpfException {
        OutOfMemory(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    public static final class PermissionDenied extends BpfException {
        PermissionDenied(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    /** The kernel refused the arguments (EINVAL), e.g. a test-run frame shorter than an Ethernet header. */
    public static final class InvalidArgument extends BpfException {
        InvalidArgument(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    public static final class Unsupported extends BpfException {
        Unsupported(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }

    public static final class Busy extends BpfException {
        Busy(String operation, String target, int errno) {
            super(operation, target, errno);
        }
    }
}
