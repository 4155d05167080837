//! A DNS stub resolver on the loop (under construction).
