"""Pure statistics used by the release builder: intervals, funnel limits, survival. No I/O."""
