/// Speculative decoding: drafters propose tokens, verifiers accept a prefix of them against the
/// target's distributions (Leviathan et al. 2023, arXiv 2211.17192; Chen et al. 2023, arXiv 2302.01318).
/// This module holds one file per drafter and per verifier; the decode loop that joins them lives
/// beside them. Drafting never knows how verification works, and the reverse.
