"""Shared grammars every format builds on: the line reader, units and numbers, the STA path/summary/section
readers, box-drawn tables, the Synopsys header, bounded JSON input, metric keys and DRC rule names."""
