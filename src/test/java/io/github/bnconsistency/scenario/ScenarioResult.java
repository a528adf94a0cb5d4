package io.github.bnconsistency.scenario;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Everything the study found for one scenario.
 *
 * @param scenario                   what was trained
 * @param truth                      the model's validation predictions against its exactly recalibrated copy's
 * @param verdicts                   the library's verdicts per probe form
 * @param perExampleGap              per BN layer, the closed form from per-example statistics against the batch
 *                                   average (exact on the first layer; a measure of batch dependence after it)
 * @param libraryRecalibrationGap    per BN layer, {@code BatchNormRecalibration.recalibratedCopy} on one shuffled
 *                                   pass over the training data at the training batch size, against the truth
 * @param libraryRecalibrationAgreement validation prediction agreement between that copy and the truth copy
 * @param trainSeconds               wall time of training
 * @param truthSeconds               wall time of the truth (targets, copy, predictions)
 * @param checkSeconds               wall time of the library's checks and recalibration
 */
record ScenarioResult(
        Scenario scenario,
        TruthComparison truth,
        Map<ProbeForm, LibraryVerdicts> verdicts,
        List<StatisticsGap> perExampleGap,
        List<StatisticsGap> libraryRecalibrationGap,
        double libraryRecalibrationAgreement,
        double trainSeconds,
        double truthSeconds,
        double checkSeconds) {

    ScenarioResult {
        verdicts = new EnumMap<>(verdicts);
        perExampleGap = List.copyOf(perExampleGap);
        libraryRecalibrationGap = List.copyOf(libraryRecalibrationGap);
    }

    TruthLabel label() {
        return truth.label();
    }
}
