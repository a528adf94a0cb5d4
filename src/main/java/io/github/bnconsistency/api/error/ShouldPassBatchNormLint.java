package io.github.bnconsistency.api.error;

import io.github.bnconsistency.report.LintFinding;
import java.util.List;
import java.util.stream.Collectors;
import org.assertj.core.error.BasicErrorMessageFactory;
import org.assertj.core.error.ErrorMessageFactory;

/** The configuration (or what the probe data showed) explains why statistics cannot or will not converge. */
public class ShouldPassBatchNormLint extends BasicErrorMessageFactory {

    /**
     * The message for a model that some lint rule flags.
     *
     * @param findings what the rules found
     * @return the factory of the failure message
     */
    public static ErrorMessageFactory shouldPassBatchNormLint(List<LintFinding> findings) {
        return new ShouldPassBatchNormLint(findings);
    }

    private ShouldPassBatchNormLint(List<LintFinding> findings) {
        super(
                "%nExpecting no reason why BatchNormalization moving statistics cannot or will not converge,%nbut found %s:%n%s",
                unquotedString(findings.size() == 1 ? "1" : String.valueOf(findings.size())),
                unquotedString(
                        findings.stream().map(f -> "  [" + f.rule() + "] " + f).collect(Collectors.joining("\n"))));
    }
}
