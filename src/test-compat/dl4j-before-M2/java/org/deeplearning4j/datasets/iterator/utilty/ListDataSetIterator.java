package org.deeplearning4j.datasets.iterator.utilty;

import java.util.Collection;

import org.nd4j.linalg.dataset.DataSet;

/**
 * Test-only shim for DL4J before 1.0.0-M2, compiled only by the dl4j-compat profile on 1.0.0-beta7 and 1.0.0-M1.1:
 * DL4J M2 moved {@code ListDataSetIterator} from {@code ...iterator.impl} to {@code ...iterator.utilty} (sic), with the
 * same constructors and behaviour, so the tests' imports of the new name resolve to the old class. Never shipped.
 */
public class ListDataSetIterator<T extends DataSet>
        extends org.deeplearning4j.datasets.iterator.impl.ListDataSetIterator<T> {
    private static final long serialVersionUID = 1L;

    public ListDataSetIterator(Collection<T> coll, int batch) {
        super(coll, batch);
    }

    public ListDataSetIterator(Collection<T> coll) {
        super(coll);
    }
}
