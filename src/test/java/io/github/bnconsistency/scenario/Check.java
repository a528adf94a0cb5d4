package io.github.bnconsistency.scenario;

/** The outcome of one of the library's checks on one probe form. */
enum Check {
    PASS,
    FAIL,
    /** The check threw something other than an AssertionError (kept in the table rather than ending the study). */
    ERROR
}
