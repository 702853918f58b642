package org.sparsa.core.compute.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.aparapi.Kernel;
import com.aparapi.Range;
import com.aparapi.device.JavaDevice;
import com.aparapi.internal.kernel.KernelManager;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link KernelCaches#keep}: a kept class loader's kernels survive {@link KernelCaches#forget}
 * until the last keep goes. Each test defines its kernel class in a class loader of its own, so
 * forgetting it touches no other kernel of the test JVM.
 */
class KernelCachesTest {

    /** Writes {@code 2 * i}; run on Aparapi's Java thread pool. */
    public static final class TwiceKernel extends Kernel {
        final float[] out = new float[16];

        @Override
        public void run() {
            int i = getGlobalId();
            out[i] = 2f * i;
        }
    }

    /** Defines {@link TwiceKernel} itself and leaves every other class to its parent. */
    private static final class RevisionLoader extends ClassLoader {
        RevisionLoader() {
            super(KernelCachesTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.equals(TwiceKernel.class.getName())) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> loaded = findLoadedClass(name);
                if (loaded != null) {
                    return loaded;
                }
                try (InputStream in = getParent().getResourceAsStream(
                        name.replace('.', '/') + ".class")) {
                    byte[] bytes = in.readAllBytes();
                    return defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
        }
    }

    /** A kernel of a fresh revision that has run once and is remembered. */
    private static Kernel ranKernel(ClassLoader loader) throws Exception {
        Kernel kernel = (Kernel) loader.loadClass(TwiceKernel.class.getName())
                .getDeclaredConstructor().newInstance();
        KernelManager.instance().setPreferredDevices(kernel,
                new LinkedHashSet<>(List.of(JavaDevice.THREAD_POOL)));
        kernel.execute(Range.create(16, 16));
        KernelCaches.ran(kernel);
        return kernel;
    }

    @Test
    void aKeptLoaderIsForgottenWhenItsLastKeepIsReleased() throws Exception {
        ClassLoader loader = new RevisionLoader();
        ranKernel(loader);
        KernelCaches.Kept outer = KernelCaches.keep(loader);
        KernelCaches.Kept inner = KernelCaches.keep(loader);
        assertEquals(0, KernelCaches.forget(loader).kernels(), "kept: nothing disposed");
        assertEquals(0, inner.release().kernels(), "another keep remains");
        assertEquals(0, inner.release().kernels(), "a second release does nothing");
        assertEquals(1, outer.release().kernels(), "the deferred forget happens now");
        assertEquals(0, KernelCaches.forget(loader).kernels(), "already let go");
    }

    @Test
    void releasingAKeepOfALoaderNobodyForgotLetsNothingGo() throws Exception {
        ClassLoader loader = new RevisionLoader();
        ranKernel(loader);
        assertEquals(0, KernelCaches.keep(loader).release().kernels());
        assertEquals(1, KernelCaches.forget(loader).kernels());
    }
}
