"""What people read: terminal tables, formatting, charts, the assumptions in words and the HTML report."""
