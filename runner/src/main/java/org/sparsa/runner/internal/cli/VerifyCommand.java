package org.sparsa.runner.internal.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.sparsa.api.compute.BackendKind;
import org.sparsa.core.compute.BackendChoice;
import org.sparsa.core.compute.OpenClProbe;
import org.sparsa.core.verify.GoldenCase;
import org.sparsa.core.verify.GoldenComparison;
import org.sparsa.core.verify.GoldenOp;
import org.sparsa.core.verify.GoldenReport;
import org.sparsa.core.verify.TensorCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code sparsa verify}: runs golden cases through the ops registered for them. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Run golden cases (safetensors files in the sparsa-golden/1 format) "
                + "through the op named in each file and compare every output and gradient "
                + "with the case's tolerance. Exits 1 when any case fails or cannot be read.")
public final class VerifyCommand implements Callable<Integer> {
    private final BundleContext context;

    @Parameters(arity = "1..*", paramLabel = "CASE", description = "Golden case files.")
    List<Path> cases = new ArrayList<>();

    @Option(names = "--backend", paramLabel = "B", defaultValue = "auto",
            description = "java, opencl or auto (default: ${DEFAULT-VALUE}).")
    String backend;

    @Spec
    CommandSpec spec;

    public VerifyCommand(BundleContext context) {
        this.context = context;
    }

    @Override
    public Integer call() {
        BackendKind requested = backendKind(backend);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int passed = 0;
        for (Path file : cases) {
            try {
                if (verify(file, requested, out)) {
                    passed++;
                }
            } catch (IOException | IllegalArgumentException e) {
                err.println("error: " + (e.getMessage() == null ? e : e.getMessage()));
            }
        }
        out.println("verify: " + passed + " of " + cases.size() + " cases passed");
        return passed == cases.size() ? 0 : 1;
    }

    private boolean verify(Path file, BackendKind requested, PrintWriter out) throws IOException {
        GoldenCase goldenCase = GoldenCase.read(file);
        String filter = "(" + GoldenOp.OP_PROPERTY + "=" + goldenCase.op() + ")";
        Collection<ServiceReference<GoldenOp>> references;
        try {
            references = context.getServiceReferences(GoldenOp.class, filter);
        } catch (InvalidSyntaxException e) {
            throw new IllegalArgumentException(file.getFileName() + ": op name '"
                    + goldenCase.op() + "' is not a valid service property value");
        }
        if (references.isEmpty()) {
            throw new IllegalArgumentException(file.getFileName() + ": no op '"
                    + goldenCase.op() + "' is registered; known: " + knownOps());
        }
        ServiceReference<GoldenOp> reference = references.iterator().next();
        GoldenOp op = context.getService(reference);
        try {
            BackendKind chosen = resolve(requested, op, file, goldenCase.op());
            List<TensorCheck> checks = GoldenComparison.compare(goldenCase,
                    op.compute(goldenCase, chosen));
            out.print(GoldenReport.format(goldenCase, chosen.name().toLowerCase(Locale.ROOT),
                    checks));
            return GoldenComparison.allPassed(checks);
        } finally {
            context.ungetService(reference);
        }
    }

    /** The backend to run on: the one asked for, or for auto the auto choice if the op has it. */
    private static BackendKind resolve(BackendKind requested, GoldenOp op, Path file,
            String name) {
        if (requested == BackendKind.AUTO) {
            BackendKind auto = BackendChoice.auto(OpenClProbe.probe()).backend();
            return op.backends().contains(auto) ? auto : BackendKind.JAVA;
        }
        if (!op.backends().contains(requested)) {
            throw new IllegalArgumentException(file.getFileName() + ": op '" + name
                    + "' has no " + requested.name().toLowerCase(Locale.ROOT)
                    + " implementation; it runs on " + op.backends());
        }
        return requested;
    }

    private String knownOps() {
        TreeSet<String> names = new TreeSet<>();
        try {
            for (ServiceReference<GoldenOp> reference
                    : context.getServiceReferences(GoldenOp.class, null)) {
                names.add(String.valueOf(reference.getProperty(GoldenOp.OP_PROPERTY)));
            }
        } catch (InvalidSyntaxException e) {
            throw new IllegalStateException(e);
        }
        return String.join(", ", names);
    }

    private static BackendKind backendKind(String text) {
        try {
            return BackendKind.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--backend '" + text
                    + "': expected java, opencl or auto");
        }
    }
}
