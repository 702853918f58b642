package org.sparsa.launcher;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class HostPackagesTest {

    @Test
    void exportsSlf4jAndEveryAparapiPackageWithVersions() {
        List<String> exports = List.of(HostPackages.exports().split(","));
        assertTrue(exports.stream().anyMatch(e -> e.startsWith("org.slf4j;version=")), exports::toString);
        assertTrue(exports.contains("com.aparapi;version=3.0.2"), exports::toString);
        assertTrue(exports.contains("com.aparapi.internal.opencl;version=3.0.2"),
                exports::toString);
        assertTrue(exports.contains("com.aparapi.device;version=3.0.2"), exports::toString);
    }
}
