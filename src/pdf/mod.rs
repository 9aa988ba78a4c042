//! Reading only what signing needs from a PDF, and writing the incremental update.
