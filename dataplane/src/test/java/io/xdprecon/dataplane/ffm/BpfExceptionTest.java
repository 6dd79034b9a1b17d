package io.xdprecon.dataplane.ffm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.xdprecon.dataplane.netns.NetNs;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one errno map: what callers branch on is a type, what people read names the errno as libc does. */
class BpfExceptionTest {

    @Test
    void theErrnosCallersBranchOnAreTypes() {
        Map<Integer, Class<? extends BpfException>> types = Map.of(
                Errno.ENOENT, BpfException.NotFound.class,
                Errno.ENODEV, BpfException.NoSuchDevice.class,
                Errno.EEXIST, BpfException.AlreadyExists.class,
                Errno.E2BIG, BpfException.CapacityExceeded.class,
                Errno.ENOSPC, BpfException.CapacityExceeded.class,
                Errno.ENOMEM, BpfException.OutOfMemory.class,
                Errno.EPERM, BpfException.PermissionDenied.class,
                Errno.EINVAL, BpfException.InvalidArgument.class,
                Errno.EOPNOTSUPP, BpfException.Unsupported.class,
                Errno.EBUSY, BpfException.Busy.class);
        types.forEach((errno, type) -> assertSame(type, BpfException.of("update map", "xdp_fwd_rules", errno).getClass(),
                Errno.name(errno)));
        assertSame(BpfException.class, BpfException.of("update map", "xdp_fwd_rules", Errno.EBADF).getClass());
    }

    @Test
    void messagesNameTheErrnoAsLibcDoes() {
        assertEquals("update map xdp_fwd_rules: Argument list too long (E2BIG, errno 7)",
                BpfException.of("update map", "xdp_fwd_rules", Errno.E2BIG).getMessage());
        assertEquals("Cannot allocate memory (ENOMEM, errno 12)", Errno.explain(Errno.ENOMEM));
        assertEquals("Operation not supported by this map or kernel (ENOTSUPP, errno 524)", Errno.explain(Errno.ENOTSUPP));
        assertEquals("Unknown error 4000 (errno 4000)", Errno.explain(4000));
    }

    @Test
    void aMissingInterfaceIsNoSuchDevice() {
        BpfException e = org.junit.jupiter.api.Assertions.assertThrows(BpfException.class, () -> NetNs.ifindex("xr-nodev0"));
        assertInstanceOf(BpfException.NoSuchDevice.class, e, e.getMessage());
    }
}
