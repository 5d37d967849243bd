//! Plain text tables for the terminal: columns as wide as their widest cell.

/// Prints `header` and `rows` as left-aligned columns, two spaces apart.
pub fn print<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    for line in render(header, rows) {
        println!("{line}");
    }
}

pub fn render<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> Vec<String> {
    let mut widths = header.map(|h| h.chars().count());
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut lines = vec![line(header.to_vec())];
    lines.extend(
        rows.iter()
            .map(|row| line(row.iter().map(String::as_str).collect())),
    );
    lines
}

#[cfg(test)]
mod tests {
    use super::render;

    #[test]
    fn columns_align_on_the_widest_cell() {
        let rows = [
            ["a".to_string(), "completed".to_string()],
            ["longer".to_string(), "x".to_string()],
        ];
        assert_eq!(
            render(&["ID", "STATUS"], &rows),
            ["ID      STATUS", "a       completed", "longer  x"]
        );
    }
}
