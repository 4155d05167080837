//! TCP on the loop (under construction).
