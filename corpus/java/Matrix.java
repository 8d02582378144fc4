import java.util.Arrays;

/**
 * An immutable dense matrix of doubles stored in row-major order.
 *
 * <p>Operations return new matrices and validate their dimensions, throwing
 * {@link IllegalArgumentException} on a mismatch.
 */
public final class Matrix {
    private final int rows;
    private final int cols;
    private final double[] data;

    private Matrix(int rows, int cols, double[] data) {
        this.rows = rows;
        this.cols = cols;
        this.data = data;
    }

    /** Creates a matrix from a rectangular array of rows; the input is copied. */
    public static Matrix of(double[][] values) {
        if (values.length == 0 || values[0].length == 0) {
            throw new IllegalArgumentException("matrix must have at least one row and column");
        }
        int r = values.length;
        int c = values[0].length;
        double[] data = new double[r * c];
        for (int i = 0; i < r; i++) {
            if (values[i].length != c) {
                throw new IllegalArgumentException("row " + i + " has length " + values[i].length + ", expected " + c);
            }
            System.arraycopy(values[i], 0, data, i * c, c);
        }
        return new Matrix(r, c, data);
    }

    public static Matrix identity(int n) {
        if (n <= 0) {
            throw new IllegalArgumentException("size must be positive: " + n);
        }
        double[] data = new double[n * n];
        for (int i = 0; i < n; i++) {
            data[i * n + i] = 1.0;
        }
        return new Matrix(n, n, data);
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    public double get(int row, int col) {
        if (row < 0 || row >= rows || col < 0 || col >= cols) {
            throw new IndexOutOfBoundsException("(" + row + ", " + col + ") outside " + rows + "x" + cols);
        }
        return data[row * cols + col];
    }

    public Matrix plus(Matrix other) {
        requireSameShape(other);
        double[] out = new double[data.length];
        for (int i = 0; i < data.length; i++) {
            out[i] = data[i] + other.data[i];
        }
        return new Matrix(rows, cols, out);
    }

    /** Matrix product; uses i-k-j loop order so the inner loop walks memory sequentially. */
    public Matrix times(Matrix other) {
        if (cols != other.rows) {
            throw new IllegalArgumentException("cannot multiply " + shape() + " by " + other.shape());
        }
        double[] out = new double[rows * other.cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                double a = data[i * cols + k];
                for (int j = 0; j < other.cols; j++) {
                    out[i * other.cols + j] += a * other.data[k * other.cols + j];
                }
            }
        }
        return new Matrix(rows, other.cols, out);
    }

    public Matrix transpose() {
        double[] out = new double[data.length];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j * rows + i] = data[i * cols + j];
            }
        }
        return new Matrix(cols, rows, out);
    }

    private void requireSameShape(Matrix other) {
        if (rows != other.rows || cols != other.cols) {
            throw new IllegalArgumentException("shape mismatch: " + shape() + " vs " + other.shape());
        }
    }

    private String shape() {
        return rows + "x" + cols;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Matrix m && rows == m.rows && cols == m.cols && Arrays.equals(data, m.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * rows + cols) + Arrays.hashCode(data);
    }
}
